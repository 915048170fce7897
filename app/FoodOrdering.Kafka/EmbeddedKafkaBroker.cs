using System.Runtime.InteropServices;
using System.Text;

namespace FoodOrdering.Kafka;

/// <summary>
/// An in-process Kafka cluster: librdkafka's mock cluster, which speaks the real Kafka protocol on
/// 127.0.0.1 (random ports), so any Kafka client or process can use it. Messages live in memory only.
/// Used when no bootstrap servers are configured, and by tests (with its fault injection).
/// </summary>
public sealed partial class EmbeddedKafkaBroker : IDisposable
{
    private const int ProducerType = 0;
    private IntPtr _handle;
    private IntPtr _cluster;

    private EmbeddedKafkaBroker(IntPtr handle, IntPtr cluster, int brokerCount)
    {
        _handle = handle;
        _cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = Marshal.PtrToStringUTF8(NativeMethods.rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("The embedded Kafka cluster reported no bootstrap servers.");
    }

    /// <summary>"127.0.0.1:PORT,..." for every broker.</summary>
    public string BootstrapServers { get; }

    public int BrokerCount { get; }

    public static EmbeddedKafkaBroker Start(int brokerCount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);
        KafkaNative.EnsureLoaded();
        var errors = new byte[512];
        var conf = NativeMethods.rd_kafka_conf_new();
        // The handle only hosts the cluster; keep it quiet.
        NativeMethods.rd_kafka_conf_set(conf, "log_level", "3", errors, (UIntPtr)errors.Length);
        var handle = NativeMethods.rd_kafka_new(ProducerType, conf, errors, (UIntPtr)errors.Length);
        if (handle == IntPtr.Zero)
        {
            throw new InvalidOperationException($"Could not create the embedded Kafka handle: {Text(errors)}");
        }
        var cluster = NativeMethods.rd_kafka_mock_cluster_new(handle, brokerCount);
        if (cluster == IntPtr.Zero)
        {
            NativeMethods.rd_kafka_destroy(handle);
            throw new InvalidOperationException("Could not start the embedded Kafka cluster.");
        }
        return new EmbeddedKafkaBroker(handle, cluster, brokerCount);
    }

    /// <summary>Creates a topic (the Admin API times out against the mock cluster, so topics are made here).</summary>
    public void CreateTopic(string name, int partitions = 1, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Check(NativeMethods.rd_kafka_mock_topic_create(Cluster, name, partitions, Math.Min(replicationFactor, BrokerCount)), $"create topic '{name}'");
    }

    /// <summary>Takes a broker down (connections refused) to test what clients do when Kafka fails.</summary>
    public void SetBrokerDown(int brokerId) => Check(NativeMethods.rd_kafka_mock_broker_set_down(Cluster, brokerId), $"take broker {brokerId} down");

    public void SetBrokerUp(int brokerId) => Check(NativeMethods.rd_kafka_mock_broker_set_up(Cluster, brokerId), $"bring broker {brokerId} up");

    private IntPtr Cluster => _cluster != IntPtr.Zero ? _cluster : throw new ObjectDisposedException(nameof(EmbeddedKafkaBroker));

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"Embedded Kafka could not {what}: error {error}.");
        }
    }

    private static string Text(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }

    public void Dispose()
    {
        if (_cluster != IntPtr.Zero)
        {
            NativeMethods.rd_kafka_mock_cluster_destroy(_cluster);
            _cluster = IntPtr.Zero;
        }
        if (_handle != IntPtr.Zero)
        {
            NativeMethods.rd_kafka_destroy(_handle);
            _handle = IntPtr.Zero;
        }
    }

    private static partial class NativeMethods
    {
        private const string Lib = KafkaNative.LibraryName;

        [LibraryImport(Lib)]
        internal static partial IntPtr rd_kafka_conf_new();

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte[] errstr, UIntPtr errstrSize);

        [LibraryImport(Lib)]
        internal static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, UIntPtr errstrSize);

        [LibraryImport(Lib)]
        internal static partial void rd_kafka_destroy(IntPtr rk);

        [LibraryImport(Lib)]
        internal static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

        [LibraryImport(Lib)]
        internal static partial void rd_kafka_mock_cluster_destroy(IntPtr cluster);

        [LibraryImport(Lib)]
        internal static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

        [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);

        [LibraryImport(Lib)]
        internal static partial int rd_kafka_mock_broker_set_down(IntPtr cluster, int brokerId);

        [LibraryImport(Lib)]
        internal static partial int rd_kafka_mock_broker_set_up(IntPtr cluster, int brokerId);
    }
}
