namespace Proxy.Configuration;

/// <summary>One logging.vmodule entry: a verbosity for the files matching a pattern.</summary>
public sealed class VModuleItem
{
    public string FilePattern { get; set; } = "";

    public int Verbosity { get; set; }
}
