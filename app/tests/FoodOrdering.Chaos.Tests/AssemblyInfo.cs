// One chaos run at a time: each one already loads the machine with several hosts, brokers and a database, and two
// side by side would measure each other rather than the system.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
