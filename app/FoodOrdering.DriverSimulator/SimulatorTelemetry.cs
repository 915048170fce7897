namespace FoodOrdering.DriverSimulator;

/// <summary>The simulator's sampling: the same share of frequent spans as the host keeps, so both keep the same positions.</summary>
internal static class SimulatorTelemetry
{
    public static double FrequentSpansRatio =>
        double.TryParse(Environment.GetEnvironmentVariable("Telemetry__FrequentSpansSampleRatio"), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1 ? ratio : 0.05;
}
