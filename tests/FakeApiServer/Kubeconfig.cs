namespace Proxy.Testing.FakeApi;

/// <summary>Writes a kubeconfig that points a client at the fake server (no auth: the fake accepts anyone).</summary>
public static class Kubeconfig
{
    public static string Write(string path, Uri server)
    {
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: fake
                cluster:
                  server: {server.ToString().TrimEnd('/')}
            users:
              - name: fake
                user: {"{"}token: fake-token{"}"}
            contexts:
              - name: fake
                context:
                  cluster: fake
                  user: fake
            current-context: fake
            """);
        return path;
    }
}
