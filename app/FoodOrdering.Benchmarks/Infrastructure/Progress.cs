namespace FoodOrdering.Benchmarks.Infrastructure;

/// <summary>Progress lines while the benchmark runs; silent in tests.</summary>
public sealed class Progress(TextWriter writer)
{
    public static readonly Progress Silent = new(TextWriter.Null);

    public void Line(string text)
    {
        writer.WriteLine($"[{DateTime.Now:HH:mm:ss}] {text}");
        writer.Flush();
    }
}
