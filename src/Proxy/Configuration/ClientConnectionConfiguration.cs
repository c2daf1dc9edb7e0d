namespace Proxy.Configuration;

/// <summary>How to reach the API server (clientConnection), component-base's ClientConnectionConfiguration.</summary>
public sealed class ClientConnectionConfiguration
{
    public const string DefaultContentType = "application/vnd.kubernetes.protobuf";

    public string Kubeconfig { get; set; } = "";

    public string AcceptContentTypes { get; set; } = "";

    public string ContentType { get; set; } = DefaultContentType;

    public double Qps { get; set; } = 5;

    public int Burst { get; set; } = 10;
}
