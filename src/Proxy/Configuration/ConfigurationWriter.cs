using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Proxy.Configuration;

/// <summary>Writes a KubeProxyConfiguration as upstream does: every field, durations in Go's spelling (30s, 15m0s).</summary>
public static class ConfigurationWriter
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .WithTypeConverter(new DurationConverter())
        .Build();

    public static string Write(KubeProxyConfiguration configuration) => Serializer.Serialize(configuration);

    private sealed class DurationConverter : IYamlTypeConverter
    {
        public bool Accepts(Type type) => type == typeof(TimeSpan);

        public object? ReadYaml(IParser parser, Type type, ObjectDeserializer rootDeserializer) =>
            throw new NotSupportedException("configuration is read by ConfigurationReader");

        public void WriteYaml(IEmitter emitter, object? value, Type type, ObjectSerializer serializer) =>
            emitter.Emit(new Scalar(GoDurationFormat.Format((TimeSpan)value!)));
    }
}
