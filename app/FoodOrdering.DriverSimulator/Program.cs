using FoodOrdering.DriverSimulator;

return await SimulatorCommands.Create().Parse(args).InvokeAsync(SimulatorCommands.Invocation());
