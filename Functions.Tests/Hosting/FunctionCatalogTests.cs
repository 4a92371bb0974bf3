using Functions.Hosting;

namespace Functions.Tests.Hosting;

public sealed class FunctionCatalogTests
{
    [Theory]
    [InlineData("admin/tenants")]
    [InlineData("Admin")]
    [InlineData("runtime/webhooks/thing")]
    public void RoutesTheFunctionsHostReservesAreRefusedAtStartUp(string route)
    {
        var ex = Assert.Throws<ArgumentException>(() => new FunctionCatalog().AddHttp("Thing", "GET", route, () => "x"));
        Assert.Contains("reserves", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("operator/tenants")]
    [InlineData("administrators")]
    [InlineData("tenant/admin")]
    public void OtherRoutesAreFine(string route) =>
        Assert.Single(new FunctionCatalog().AddHttp("Thing", "GET", route, () => "x").HttpFunctions);
}
