using FoodOrdering.Benchmarks;

// dotnet run -c Release --project app/FoodOrdering.Benchmarks -- [--only throughput,latency] [--quick] [--output file.md]
// dotnet run -c Release --project app/FoodOrdering.Benchmarks -- micro [--filter *Replay*]   (BenchmarkDotNet)
return await BenchmarkCommand.Create().Parse(args).InvokeAsync();
