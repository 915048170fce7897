using FoodOrdering.DriverSimulator;

namespace FoodOrdering.EndToEnd.Tests;

public sealed class DailyCurveTests
{
    private static DateTimeOffset At(int hour, int minute = 0) => new(2026, 11, 21, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void Factor_OverAWholeDay_AveragesToTheGivenRate()
    {
        var samples = Enumerable.Range(0, 24 * 60).Select(m => DailyCurve.Factor(At(0).AddMinutes(m))).ToList();

        Assert.InRange(samples.Average(), 0.99, 1.01);
    }

    [Fact]
    public void Factor_MealTimes_BusierThanTheNight()
    {
        Assert.True(DailyCurve.Factor(At(19)) > DailyCurve.Factor(At(12)));
        Assert.True(DailyCurve.Factor(At(12)) > 1);
        Assert.True(DailyCurve.Factor(At(3)) < 0.2);
    }
}
