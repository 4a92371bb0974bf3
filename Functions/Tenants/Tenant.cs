using Functions.Storage;

namespace Functions.Tenants;

/// <summary>A company using the product. Rows: table <c>Tenants</c>, PartitionKey "tenant", RowKey = tenant id.</summary>
public sealed record Tenant(string Id, string Name, string Slug, string Provider, DateTimeOffset CreatedOn)
{
    public const string Table = "Tenants";
    public const string Partition = "tenant";

    public TableEntity ToEntity() => new(Partition, Id)
    {
        ["Name"] = Name,
        ["Slug"] = Slug,
        ["Provider"] = Provider,
        ["CreatedOn"] = CreatedOn,
    };

    public static Tenant FromEntity(TableEntity e) => new(
        e.RowKey,
        e.GetString("Name") ?? "",
        e.GetString("Slug") ?? "",
        e.GetString("Provider") ?? "sandbox",
        e.GetDateTimeOffset("CreatedOn") ?? DateTimeOffset.MinValue);
}
