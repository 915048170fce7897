#!/usr/bin/env bash
# Creates FoodOrdering's topics on the compose cluster; safe to run again (--if-not-exists).
set -euo pipefail
bootstrap="${BOOTSTRAP_SERVERS:-kafka:9092}"
partitions="${PARTITIONS:-4}"
for topic in orders orders.dlq driver-updates driver-updates.dlq; do
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic "$topic" --partitions "$partitions" --replication-factor 1
done
/opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bootstrap" --list
