namespace Proxy.Configuration;

/// <summary>How to reach the API server (clientConnection).</summary>
public sealed class ClientConnectionConfiguration
{
    public string Kubeconfig { get; set; } = "";

    public string AcceptContentTypes { get; set; } = "";

    public string ContentType { get; set; } = "application/vnd.kubernetes.protobuf";

    public double Qps { get; set; } = 5;

    public int Burst { get; set; } = 10;
}
