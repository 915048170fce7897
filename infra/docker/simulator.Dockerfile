# The driver simulator (drivers' phones, customers).  Build context: the repository root (see docker-compose.yaml).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY app/ app/
RUN dotnet publish app/FoodOrdering.DriverSimulator -c Release -o /out

# Debian's librdkafka: the simulator publishes positions to Kafka with it.
FROM mcr.microsoft.com/dotnet/runtime:10.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends librdkafka1 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /out ./
ENTRYPOINT ["dotnet", "FoodOrdering.DriverSimulator.dll"]
CMD ["drivers", "--app", "http://host:3000"]
