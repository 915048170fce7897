using System.Reflection;
using System.Runtime.InteropServices;

namespace FoodOrdering.Kafka;

/// <summary>
/// Points Confluent.Kafka at Debian's librdkafka1. The managed client asks for "libdl" (Debian has only
/// libdl.so.2) and ships no native library of its own here, so both are resolved by hand, once, before
/// the first Kafka call.
/// </summary>
public static class KafkaNative
{
    public const string LibraryName = "librdkafka.so.1";
    private static readonly object Gate = new();
    private static bool _loaded;

    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded)
            {
                return;
            }
            var assembly = typeof(Confluent.Kafka.Library).Assembly;
            NativeLibrary.SetDllImportResolver(assembly, Resolve);
            try
            {
                Confluent.Kafka.Library.Load(LibraryName);
            }
            catch (DllNotFoundException ex)
            {
                throw new InvalidOperationException(
                    $"Kafka needs the native library {LibraryName}: install Debian's package librdkafka1 (apt-get install -y librdkafka1).", ex);
            }
            _loaded = true;
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) => name switch
    {
        "libdl" => NativeLibrary.Load("libdl.so.2"),
        "librdkafka" => NativeLibrary.Load(LibraryName),
        _ => IntPtr.Zero,
    };
}
