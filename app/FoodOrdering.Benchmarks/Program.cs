using FoodOrdering.Benchmarks;

// dotnet run -c Release --project app/FoodOrdering.Benchmarks -- [--only throughput,latency] [--quick] [--output file.md]
return await BenchmarkCommand.Create().Parse(args).InvokeAsync();
