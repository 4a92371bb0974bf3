using Azure;
using Functions.Storage;
using Functions.Storage.AzureStorage;

namespace Functions.Tests.Storage.AzureStorage;

/// <summary>Wire specifics of <see cref="TableStorageClient"/> against a real Azurite.</summary>
public sealed class TableStorageClientAzuriteTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private readonly TableStorageClient _client = new(azurite.Account);

    private async Task<string> NewTableAsync()
    {
        var table = AzuriteFixture.UniqueName();
        await _client.CreateTableIfNotExistsAsync(table);
        return table;
    }

    [Fact]
    public async Task EveryPropertyTypeRoundTripsExactly()
    {
        var table = await NewTableAsync();
        var when = new DateTimeOffset(2024, 2, 29, 23, 59, 58, TimeSpan.FromHours(2)).AddTicks(1234567);
        var guid = Guid.NewGuid();
        var entity = new TableEntity("p", "r")
        {
            ["Text"] = "héllo 👋 'quoted' \"double\" <xml/> & ünïcödé",
            ["Empty"] = "",
            ["Flag"] = true,
            ["Int"] = int.MinValue,
            ["Long"] = (1L << 53) + 1,
            ["LongMax"] = long.MaxValue,
            ["SmallLong"] = 5L,
            ["WholeDouble"] = 5.0,
            ["Fraction"] = 0.1,
            ["Huge"] = 1e300,
            ["Tiny"] = double.Epsilon,
            ["BigWholeDouble"] = 3e9,
            ["NaN"] = double.NaN,
            ["PosInf"] = double.PositiveInfinity,
            ["NegInf"] = double.NegativeInfinity,
            ["When"] = when,
            ["Id"] = guid,
            ["Bytes"] = new byte[] { 0, 1, 2, 253, 254, 255 },
        };

        var etag = await _client.InsertAsync(table, entity);
        var read = await _client.GetEntityIfExistsAsync(table, "p", "r");

        Assert.NotNull(read);
        Assert.Equal(etag, read.ETag);
        Assert.NotNull(read.Timestamp);
        Assert.Equal(entity.Properties.Count, read.Properties.Count);
        foreach (var (name, value) in entity.Properties)
        {
            Assert.Equal(value.GetType(), read[name]!.GetType());
            Assert.Equal(value, read[name]);
        }
        Assert.Equal(when.UtcTicks, read.GetDateTimeOffset("When")!.Value.UtcTicks);
        Assert.Equal(TimeSpan.Zero, read.GetDateTimeOffset("When")!.Value.Offset);
    }

    [Theory]
    [InlineData("it's", "o'clock''")]
    [InlineData("100% sure", "a%20b %2F")]
    [InlineData("with space", "  leading and trailing  ")]
    [InlineData("ünïcödé €", "日本語 👋")]
    [InlineData("(PartitionKey='x')", "a,b;c=d&e+f$g@h!i*j~")]
    public async Task KeysWithSpecialCharactersWorkForEveryOperation(string partitionKey, string rowKey)
    {
        var table = await NewTableAsync();
        var entity = new TableEntity(partitionKey, rowKey) { ["V"] = 1 };

        var inserted = await _client.InsertAsync(table, entity);
        var read = await _client.GetEntityIfExistsAsync(table, partitionKey, rowKey);
        Assert.NotNull(read);
        Assert.Equal(partitionKey, read.PartitionKey);
        Assert.Equal(rowKey, read.RowKey);

        entity["V"] = 2;
        var replaced = await _client.ReplaceAsync(table, entity, inserted);
        var merged = await _client.MergeAsync(table, new TableEntity(partitionKey, rowKey) { ["W"] = 3 }, replaced);
        var page = await _client.QueryAsync(table, new TableQuery(partitionKey) { RowKeyFrom = rowKey });
        var row = Assert.Single(page.Entities);
        Assert.Equal(2, row["V"]);
        Assert.Equal(3, row["W"]);
        Assert.Equal(merged, row.ETag);

        await _client.DeleteAsync(table, partitionKey, rowKey, merged);
        Assert.Null(await _client.GetEntityIfExistsAsync(table, partitionKey, rowKey));
    }

    [Fact]
    public async Task ETagsAreKeptByteExact()
    {
        var table = await NewTableAsync();
        var etag = await _client.InsertAsync(table, new TableEntity("p", "r"));

        Assert.StartsWith("W/\"datetime'", etag.ToString(), StringComparison.Ordinal);
        Assert.Contains("%3A", etag.ToString(), StringComparison.Ordinal);
        var page = await _client.QueryAsync(table, new TableQuery("p"));
        Assert.Equal(etag.ToString(), Assert.Single(page.Entities).ETag.ToString());
        await _client.ReplaceAsync(table, new TableEntity("p", "r"), etag);
    }

    [Fact]
    public async Task FailuresCarryStatusAndErrorCode()
    {
        var table = await NewTableAsync();
        await _client.CreateTableIfNotExistsAsync(table);
        var etag = await _client.InsertAsync(table, new TableEntity("p", "r"));
        var newer = await _client.UpsertAsync(table, new TableEntity("p", "r") { ["X"] = 1 });

        var conflict = await Assert.ThrowsAsync<RequestFailedException>(() => _client.InsertAsync(table, new TableEntity("p", "r")));
        Assert.Equal((409, StorageErrorCodes.EntityAlreadyExists), (conflict.Status, conflict.ErrorCode));

        var stale = await Assert.ThrowsAsync<RequestFailedException>(() => _client.ReplaceAsync(table, new TableEntity("p", "r"), etag));
        Assert.Equal((412, StorageErrorCodes.UpdateConditionNotSatisfied), (stale.Status, stale.ErrorCode));
        var staleMerge = await Assert.ThrowsAsync<RequestFailedException>(() => _client.MergeAsync(table, new TableEntity("p", "r"), etag));
        Assert.Equal(412, staleMerge.Status);
        var staleDelete = await Assert.ThrowsAsync<RequestFailedException>(() => _client.DeleteAsync(table, "p", "r", etag));
        Assert.Equal(412, staleDelete.Status);

        var missing = await Assert.ThrowsAsync<RequestFailedException>(() => _client.ReplaceAsync(table, new TableEntity("p", "nope"), ETag.All));
        Assert.Equal(404, missing.Status);
        var missingDelete = await Assert.ThrowsAsync<RequestFailedException>(() => _client.DeleteAsync(table, "p", "nope", ETag.All));
        Assert.Equal((404, StorageErrorCodes.ResourceNotFound), (missingDelete.Status, missingDelete.ErrorCode));

        var noTable = await Assert.ThrowsAsync<RequestFailedException>(() => _client.GetEntityIfExistsAsync("nosuchtable1", "p", "r"));
        Assert.Equal((404, StorageErrorCodes.TableNotFound), (noTable.Status, noTable.ErrorCode));

        await _client.DeleteAsync(table, "p", "r", newer);
        Assert.Null(await _client.GetEntityIfExistsAsync(table, "p", "r"));
    }

    [Fact]
    public async Task MergeAndUpsertKeepOrReplaceOtherProperties()
    {
        var table = await NewTableAsync();
        await _client.UpsertAsync(table, new TableEntity("p", "r") { ["A"] = 1, ["B"] = "b" });
        await _client.UpsertAsync(table, new TableEntity("p", "r") { ["C"] = 3L }, TableUpsertMode.Merge);
        var merged = await _client.GetEntityIfExistsAsync(table, "p", "r");
        Assert.Equal(["A", "B", "C"], merged!.Properties.Keys.Order());

        await _client.UpsertAsync(table, new TableEntity("p", "r") { ["D"] = 4.0 });
        var replaced = await _client.GetEntityIfExistsAsync(table, "p", "r");
        Assert.Equal(["D"], replaced!.Properties.Keys);
        Assert.Equal(4.0, replaced["D"]);
    }

    [Fact]
    public async Task InjectionAttemptInAFilterValueDoesNotWidenTheQuery()
    {
        var table = await NewTableAsync();
        await _client.InsertAsync(table, new TableEntity("p", "a") { ["Owner"] = "alice" });
        await _client.InsertAsync(table, new TableEntity("p", "b") { ["Owner"] = "bob" });
        await _client.InsertAsync(table, new TableEntity("other", "c") { ["Owner"] = "x' or RowKey ne '" });

        var attack = "x' or RowKey ne '";
        var byOwner = await _client.QueryAsync(table, new TableQuery("p") { Filter = TableFilter.Equal("Owner", attack) });
        Assert.Empty(byOwner.Entities);
        var byPartition = await _client.QueryAsync(table, new TableQuery("p' or PartitionKey ne '"));
        Assert.Empty(byPartition.Entities);
        var byRange = await _client.QueryAsync(table, new TableQuery("p") { RowKeyFrom = "b' or RowKey ge '", RowKeyBefore = "b'" });
        Assert.Empty(byRange.Entities);

        var exact = await _client.QueryAsync(table, new TableQuery("other") { Filter = TableFilter.Equal("Owner", attack) });
        Assert.Equal("c", Assert.Single(exact.Entities).RowKey);
    }

    [Fact]
    public async Task TypedFiltersSelectOnTheServer()
    {
        var table = await NewTableAsync();
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1);
        var id = Guid.NewGuid();
        for (var i = 0; i < 5; i++)
        {
            await _client.InsertAsync(table, new TableEntity("p", $"r{i}")
            {
                ["I"] = i,
                ["L"] = (1L << 40) + i,
                ["D"] = i + 0.5,
                ["W"] = (double)i,
                ["T"] = t0.AddDays(i),
                ["G"] = i == 3 ? id : Guid.Empty,
                ["B"] = new[] { (byte)i },
                ["F"] = i % 2 == 0,
            });
        }

        async Task<string[]> Rows(TableFilter filter) =>
            (await _client.QueryAsync(table, new TableQuery("p") { Filter = filter })).Entities.Select(e => e.RowKey).ToArray();

        Assert.Equal(["r3", "r4"], await Rows(TableFilter.GreaterThanOrEqual("I", 3)));
        Assert.Equal(["r0", "r1"], await Rows(TableFilter.LessThan("L", (1L << 40) + 2)));
        Assert.Equal(["r2"], await Rows(TableFilter.Equal("D", 2.5)));
        Assert.Equal(["r2"], await Rows(TableFilter.Equal("W", 2.0)));
        Assert.Equal(["r4"], await Rows(TableFilter.GreaterThan("T", t0.AddDays(3))));
        Assert.Equal(["r3"], await Rows(TableFilter.Equal("G", id)));
        Assert.Equal(["r1"], await Rows(TableFilter.Equal("B", new byte[] { 1 })));
        Assert.Equal(["r0", "r4"], await Rows(TableFilter.Equal("F", true) & (TableFilter.LessThan("I", 1) | TableFilter.GreaterThan("I", 3))));
        Assert.Equal(["r1", "r2"], await Rows(TableFilter.NotEqual("I", 0) & TableFilter.LessThanOrEqual("I", 2)));
    }

    [Fact]
    public async Task DoubleLiteralsWithExponentsAndNegativeZeroFilterOnTheServer()
    {
        var table = await NewTableAsync();
        double[] values = [1e300, 1.5e-7, -2.5, 0.0, 3e9];
        for (var i = 0; i < values.Length; i++)
        {
            await _client.InsertAsync(table, new TableEntity("p", $"r{i}") { ["D"] = values[i] });
        }

        foreach (var (value, row) in values.Select((v, i) => (v, $"r{i}")))
        {
            var page = await _client.QueryAsync(table, new TableQuery("p") { Filter = TableFilter.Equal("D", value) });
            Assert.Equal(row, Assert.Single(page.Entities).RowKey);
        }
        var negativeZero = await _client.QueryAsync(table, new TableQuery("p") { Filter = TableFilter.Equal("D", -0.0) });
        Assert.Equal("r3", Assert.Single(negativeZero.Entities).RowKey);
        var small = await _client.QueryAsync(table, new TableQuery("p") { Filter = TableFilter.LessThan("D", 1e-6) & TableFilter.GreaterThan("D", -1e-300) });
        Assert.Equal(["r1", "r3"], small.Entities.Select(e => e.RowKey));
    }

    [Fact]
    public async Task ContinuationTokensPageThroughEveryRowInOrder()
    {
        var table = await NewTableAsync();
        var actions = Enumerable.Range(0, 7)
            .Select(i => new TableTransactionAction(TableTransactionActionType.Insert, new TableEntity("p", $"r{i:00}") { ["I"] = i }))
            .ToList();
        await _client.SubmitTransactionAsync(table, actions);
        await _client.InsertAsync(table, new TableEntity("q", "r00"));

        var query = new TableQuery("p") { RowKeyFrom = "r01", Top = 2 };
        var seen = new List<string>();
        var pages = 0;
        string? token = null;
        do
        {
            var page = await _client.QueryAsync(table, query, token);
            Assert.True(page.Entities.Count <= 2);
            seen.AddRange(page.Entities.Select(e => e.RowKey));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(["r01", "r02", "r03", "r04", "r05", "r06"], seen);
        Assert.Equal(3, pages);
        await Assert.ThrowsAsync<ArgumentException>(() => _client.QueryAsync(table, query, "not a token"));
    }

    [Fact]
    public async Task TransactionAppliesEveryOperationAndReturnsTheirETags()
    {
        var table = await NewTableAsync();
        var existing = await _client.InsertAsync(table, new TableEntity("p", "replace") { ["V"] = 0 });
        await _client.InsertAsync(table, new TableEntity("p", "merge") { ["Keep"] = "yes" });
        await _client.InsertAsync(table, new TableEntity("p", "delete"));

        var etags = await _client.SubmitTransactionAsync(table,
        [
            new(TableTransactionActionType.Insert, new TableEntity("p", "insert") { ["V"] = 1, ["D"] = 2.0 }),
            new(TableTransactionActionType.Replace, new TableEntity("p", "replace") { ["V"] = 2 }, existing),
            new(TableTransactionActionType.Merge, new TableEntity("p", "merge") { ["V"] = 3 }, ETag.All),
            new(TableTransactionActionType.UpsertReplace, new TableEntity("p", "upsert1") { ["V"] = 4 }),
            new(TableTransactionActionType.UpsertMerge, new TableEntity("p", "upsert2") { ["V"] = 5 }),
            new(TableTransactionActionType.Delete, new TableEntity("p", "delete"), ETag.All),
        ]);

        Assert.Equal(6, etags.Count);
        Assert.Equal(default, etags[5]);
        var rows = (await _client.QueryAsync(table, new TableQuery("p"))).Entities.ToDictionary(e => e.RowKey);
        Assert.Equal(["insert", "merge", "replace", "upsert1", "upsert2"], rows.Keys.Order());
        Assert.Equal(etags[0], rows["insert"].ETag);
        Assert.Equal(etags[1], rows["replace"].ETag);
        Assert.Equal(etags[2], rows["merge"].ETag);
        Assert.Equal(2.0, rows["insert"]["D"]);
        Assert.Equal("yes", rows["merge"]["Keep"]);
        Assert.Equal(3, rows["merge"]["V"]);
    }

    [Fact]
    public async Task FailedTransactionIsRolledBackAndNamesTheFailingOperation()
    {
        var table = await NewTableAsync();
        var stale = await _client.InsertAsync(table, new TableEntity("p", "existing") { ["V"] = 0 });
        await _client.UpsertAsync(table, new TableEntity("p", "existing") { ["V"] = 1 });

        var conflict = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _client.SubmitTransactionAsync(table,
        [
            new(TableTransactionActionType.Insert, new TableEntity("p", "a")),
            new(TableTransactionActionType.Insert, new TableEntity("p", "b")),
            new(TableTransactionActionType.Insert, new TableEntity("p", "existing")),
            new(TableTransactionActionType.Insert, new TableEntity("p", "c")),
        ]));
        Assert.Equal((409, StorageErrorCodes.EntityAlreadyExists, 2), (conflict.Status, conflict.ErrorCode, conflict.FailedIndex));

        var precondition = await Assert.ThrowsAsync<TableTransactionFailedException>(() => _client.SubmitTransactionAsync(table,
        [
            new(TableTransactionActionType.Insert, new TableEntity("p", "a")),
            new(TableTransactionActionType.Replace, new TableEntity("p", "existing"), stale),
        ]));
        Assert.Equal((412, StorageErrorCodes.UpdateConditionNotSatisfied, 1), (precondition.Status, precondition.ErrorCode, precondition.FailedIndex));

        var rows = (await _client.QueryAsync(table, new TableQuery("p"))).Entities;
        Assert.Equal("existing", Assert.Single(rows).RowKey);
        Assert.Equal(1, rows[0]["V"]);
    }
}
