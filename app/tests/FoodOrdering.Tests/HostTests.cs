using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FoodOrdering.Host.Api;

namespace FoodOrdering.Tests;

public sealed class HostTests(HostFactory host) : IClassFixture<HostFactory>
{
    private readonly HttpClient _client = host.CreateHttpClient();

    [Fact]
    public async Task Health_StoreReachable_ReturnsHealthy()
    {
        using var response = await _client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Info_TestConfiguration_ReportsTheConfiguredStorePath()
    {
        var info = (await _client.GetFromJsonAsync<HostInfo>("/api/info", Api.Json))!;

        Assert.Equal("FoodOrdering", info.Name);
        Assert.Equal($"SQLite {host.StorePath}", info.Store);
        Assert.True(File.Exists(host.StorePath));
    }

    [Fact]
    public async Task OpenApi_Document_DescribesEveryEndpoint()
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync("/openapi/v1.json"));

        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Subset(paths.ToHashSet(), new HashSet<string>
        {
            "/api/info", "/api/orders", "/api/workflows", "/api/workflows/changes", "/api/workflows/{id}", "/api/workflows/{id}/history",
            "/api/workflows/{id}/signals/{name}", "/api/workflows/{id}/cancel", "/api/workflows/{id}/terminate",
        });
    }
}
