using Azure;
using Functions.Storage;

namespace Functions.Tests.Storage;

/// <summary>
/// What every <see cref="ITableStore"/> must do. The same bodies run against the in-memory
/// adapter and against the Azure adapter on Azurite, so the two cannot drift apart.
/// </summary>
public abstract class TableStoreContract
{
    protected abstract ITableStore Store { get; }

    private async Task<string> NewTableAsync()
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..20];
        await Store.CreateTableIfNotExistsAsync(name);
        return name;
    }

    private static TableEntity Row(string pk, string rk, params (string Name, object Value)[] props)
    {
        var e = new TableEntity(pk, rk);
        foreach (var (name, value) in props) e[name] = value;
        return e;
    }

    [Fact]
    public async Task CreatingATableTwiceIsFine()
    {
        var table = await NewTableAsync();
        await Store.CreateTableIfNotExistsAsync(table);
        Assert.Null(await Store.GetEntityIfExistsAsync(table, "p", "r"));
    }

    [Fact]
    public async Task OperationsOnAMissingTableFailWith404()
    {
        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => Store.InsertAsync("tmissing" + Guid.NewGuid().ToString("N")[..10], Row("p", "r")));
        Assert.Equal(404, ex.Status);
    }

    [Fact]
    public async Task EveryPropertyTypeRoundTripsExactly()
    {
        var table = await NewTableAsync();
        var when = new DateTimeOffset(2026, 11, 22, 4, 12, 37, TimeSpan.Zero).AddTicks(5338841);
        var id = Guid.NewGuid();
        var row = Row("p", "r",
            ("Text", "héllo ✓ 'quoted' \"double\""),
            ("Flag", true),
            ("Small", 42),
            ("Negative", -7),
            ("Big", 9_007_199_254_740_993L),
            ("Ratio", 0.1),
            ("Whole", 5.0),
            ("When", when),
            ("Id", id),
            ("Bytes", new byte[] { 0, 1, 2, 255 }),
            ("Empty", ""));
        await Store.InsertAsync(table, row);

        var read = await Store.GetEntityIfExistsAsync(table, "p", "r");
        Assert.NotNull(read);
        Assert.Equal("héllo ✓ 'quoted' \"double\"", read.GetString("Text"));
        Assert.Equal(true, read.GetBoolean("Flag"));
        Assert.IsType<int>(read["Small"]);
        Assert.Equal(42, read["Small"]);
        Assert.Equal(-7, read["Negative"]);
        Assert.IsType<long>(read["Big"]);
        Assert.Equal(9_007_199_254_740_993L, read["Big"]);
        Assert.Equal(0.1, read["Ratio"]);
        Assert.IsType<double>(read["Whole"]);
        Assert.Equal(5.0, read["Whole"]);
        Assert.Equal(when, read.GetDateTimeOffset("When"));
        Assert.Equal(TimeSpan.Zero, read.GetDateTimeOffset("When")!.Value.Offset);
        Assert.Equal(id, read.GetGuid("Id"));
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, read.GetBinary("Bytes"));
        Assert.Equal("", read.GetString("Empty"));
        Assert.NotEqual(default, read.ETag);
        Assert.NotNull(read.Timestamp);
    }

    [Theory]
    [InlineData("it's", "a b")]
    [InlineData("100%", "ümlaut✓")]
    [InlineData("(x)", "a=b&c")]
    [InlineData("", "empty-partition")]
    public async Task KeysWithQuotesPercentSpacesAndUnicodeWork(string pk, string rk)
    {
        var table = await NewTableAsync();
        await Store.InsertAsync(table, Row(pk, rk, ("V", 1)));
        var read = await Store.GetEntityIfExistsAsync(table, pk, rk);
        Assert.NotNull(read);
        Assert.Equal(pk, read.PartitionKey);
        Assert.Equal(rk, read.RowKey);
        var etag = await Store.ReplaceAsync(table, Row(pk, rk, ("V", 2)), read.ETag);
        await Store.DeleteAsync(table, pk, rk, etag);
        Assert.Null(await Store.GetEntityIfExistsAsync(table, pk, rk));
    }

    [Fact]
    public async Task InsertingAnExistingRowConflicts()
    {
        var table = await NewTableAsync();
        await Store.InsertAsync(table, Row("p", "r", ("V", 1)));
        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => Store.InsertAsync(table, Row("p", "r", ("V", 2))));
        Assert.Equal(409, ex.Status);
        Assert.Equal(StorageErrorCodes.EntityAlreadyExists, ex.ErrorCode);
        Assert.Equal(1, (await Store.GetEntityIfExistsAsync(table, "p", "r"))!["V"]);
    }

    [Fact]
    public async Task ReplaceWithAStaleETagFailsAndChangesNothing()
    {
        var table = await NewTableAsync();
        var first = await Store.InsertAsync(table, Row("p", "r", ("V", 1)));
        var second = await Store.ReplaceAsync(table, Row("p", "r", ("V", 2)), first);
        Assert.NotEqual(first, second);

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => Store.ReplaceAsync(table, Row("p", "r", ("V", 3)), first));
        Assert.Equal(412, ex.Status);
        Assert.Equal(2, (await Store.GetEntityIfExistsAsync(table, "p", "r"))!["V"]);
    }

    [Fact]
    public async Task ReplaceDropsPropertiesThatMergeKeeps()
    {
        var table = await NewTableAsync();
        var etag = await Store.InsertAsync(table, Row("p", "r", ("A", 1), ("B", "b")));
        etag = await Store.MergeAsync(table, Row("p", "r", ("A", 2), ("C", true)), etag);
        var merged = await Store.GetEntityIfExistsAsync(table, "p", "r");
        Assert.Equal(2, merged!["A"]);
        Assert.Equal("b", merged["B"]);
        Assert.Equal(true, merged["C"]);

        await Store.ReplaceAsync(table, Row("p", "r", ("A", 3)), etag);
        var replaced = await Store.GetEntityIfExistsAsync(table, "p", "r");
        Assert.Equal(3, replaced!["A"]);
        Assert.Null(replaced["B"]);
        Assert.Null(replaced["C"]);
    }

    [Fact]
    public async Task MergeWithAStaleETagFails()
    {
        var table = await NewTableAsync();
        var first = await Store.InsertAsync(table, Row("p", "r", ("A", 1)));
        await Store.MergeAsync(table, Row("p", "r", ("A", 2)), ETag.All);
        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => Store.MergeAsync(table, Row("p", "r", ("A", 3)), first));
        Assert.Equal(412, ex.Status);
    }

    [Fact]
    public async Task ConditionalWritesToAMissingRowFailWith404()
    {
        var table = await NewTableAsync();
        Assert.Equal(404, (await Assert.ThrowsAsync<RequestFailedException>(() => Store.ReplaceAsync(table, Row("p", "r"), ETag.All))).Status);
        Assert.Equal(404, (await Assert.ThrowsAsync<RequestFailedException>(() => Store.MergeAsync(table, Row("p", "r"), ETag.All))).Status);
        Assert.Equal(404, (await Assert.ThrowsAsync<RequestFailedException>(() => Store.DeleteAsync(table, "p", "r", ETag.All))).Status);
    }

    [Fact]
    public async Task UpsertInsertsThenReplacesOrMerges()
    {
        var table = await NewTableAsync();
        await Store.UpsertAsync(table, Row("p", "r", ("A", 1), ("B", 1)));
        await Store.UpsertAsync(table, Row("p", "r", ("A", 2)), TableUpsertMode.Merge);
        var merged = await Store.GetEntityIfExistsAsync(table, "p", "r");
        Assert.Equal(2, merged!["A"]);
        Assert.Equal(1, merged["B"]);
        await Store.UpsertAsync(table, Row("p", "r", ("A", 3)));
        var replaced = await Store.GetEntityIfExistsAsync(table, "p", "r");
        Assert.Equal(3, replaced!["A"]);
        Assert.Null(replaced["B"]);
    }

    [Fact]
    public async Task AConditionalWriteWithoutAnETagIsRefusedRatherThanOverwriting()
    {
        var table = await NewTableAsync();
        await Store.InsertAsync(table, Row("p", "r", ("V", 1)));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ReplaceAsync(table, Row("p", "r", ("V", 2)), default));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.MergeAsync(table, Row("p", "r", ("V", 2)), default));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync(table, "p", "r", default));
        Assert.Equal(1, (await Store.GetEntityIfExistsAsync(table, "p", "r"))!["V"]);
        Assert.Throws<ArgumentException>(() => TableFilter.Equal("Score", double.NaN));
        Assert.Throws<ArgumentException>(() => TableFilter.GreaterThan("Score", double.PositiveInfinity));
    }

    [Fact]
    public async Task GettingFromAMissingTableFailsWith404WhileAMissingRowIsNull()
    {
        var table = await NewTableAsync();
        Assert.Null(await Store.GetEntityIfExistsAsync(table, "p", "absent"));
        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => Store.GetEntityIfExistsAsync("tmissing" + Guid.NewGuid().ToString("N")[..10], "p", "r"));
        Assert.Equal(404, ex.Status);
    }

    [Fact]
    public async Task DeleteWithAStaleETagFailsAndKeepsTheRow()
    {
        var table = await NewTableAsync();
        var first = await Store.InsertAsync(table, Row("p", "r"));
        await Store.ReplaceAsync(table, Row("p", "r", ("V", 1)), first);
        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => Store.DeleteAsync(table, "p", "r", first));
        Assert.Equal(412, ex.Status);
        Assert.NotNull(await Store.GetEntityIfExistsAsync(table, "p", "r"));
    }

    [Fact]
    public async Task QueriesStayInOnePartitionAndReturnRowKeyOrder()
    {
        var table = await NewTableAsync();
        foreach (var rk in new[] { "c", "a", "e", "b", "d" })
        {
            await Store.InsertAsync(table, Row("p", rk));
        }
        await Store.InsertAsync(table, Row("other", "a"));
        await Store.InsertAsync(table, Row("p2", "a"));

        var page = await Store.QueryAsync(table, new TableQuery("p"));
        Assert.Equal(["a", "b", "c", "d", "e"], page.Entities.Select(e => e.RowKey));
        Assert.All(page.Entities, e => Assert.Equal("p", e.PartitionKey));
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task RowKeyRangesAreFromInclusiveBeforeExclusive()
    {
        var table = await NewTableAsync();
        foreach (var rk in new[] { "msg-001", "msg-002", "msg-003", "note-001", "a" })
        {
            await Store.InsertAsync(table, Row("p", rk));
        }
        var range = await Store.QueryAsync(table, new TableQuery("p") { RowKeyFrom = "msg-002", RowKeyBefore = "note-001" });
        Assert.Equal(["msg-002", "msg-003"], range.Entities.Select(e => e.RowKey));

        var prefix = await Store.QueryAsync(table, TableQuery.WithRowKeyPrefix("p", "msg-"));
        Assert.Equal(["msg-001", "msg-002", "msg-003"], prefix.Entities.Select(e => e.RowKey));
    }

    [Theory]
    [InlineData("order.")]   // the bound "order/" holds a character keys may not
    [InlineData("x>")]       // "x?"
    [InlineData("a\"")]      // "a#"
    [InlineData("z\uffff")]  // no bound above: open range
    public async Task PrefixQueriesWorkWhateverTheLastCharacter(string prefix)
    {
        var table = await NewTableAsync();
        await Store.InsertAsync(table, Row("p", prefix + "1"));
        await Store.InsertAsync(table, Row("p", prefix + "2"));
        await Store.InsertAsync(table, Row("p", "0-before"));
        var page = await Store.QueryAsync(table, TableQuery.WithRowKeyPrefix("p", prefix));
        Assert.Equal([prefix + "1", prefix + "2"], page.Entities.Select(e => e.RowKey));
    }

    [Fact]
    public async Task PagesFollowContinuationTokensWithoutSkipsOrRepeats()
    {
        var table = await NewTableAsync();
        var keys = Enumerable.Range(0, 25).Select(i => $"r{i:D3}").ToList();
        foreach (var rk in keys)
        {
            await Store.InsertAsync(table, Row("p", rk, ("Even", int.Parse(rk[1..]) % 2 == 0)));
        }
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Store.QueryAsync(table, new TableQuery("p") { Top = 7 }, token);
            Assert.True(page.Entities.Count <= 7);
            seen.AddRange(page.Entities.Select(e => e.RowKey));
            token = page.ContinuationToken;
            pages++;
        }
        while (token is not null && pages < 20);
        Assert.Equal(keys, seen);

        var even = new List<string>();
        token = null;
        do
        {
            var page = await Store.QueryAsync(table, new TableQuery("p") { Top = 4, Filter = TableFilter.Equal("Even", true) }, token);
            even.AddRange(page.Entities.Select(e => e.RowKey));
            token = page.ContinuationToken;
        }
        while (token is not null);
        Assert.Equal(keys.Where((_, i) => i % 2 == 0), even);
    }

    [Fact]
    public async Task FiltersCompareTypedValues()
    {
        var table = await NewTableAsync();
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 6; i++)
        {
            await Store.InsertAsync(table, Row("p", $"r{i}",
                ("Status", i % 3 == 0 ? "Active" : "Closed"),
                ("Count", i),
                ("Total", i * 1000L),
                ("Score", i + 0.5),
                ("At", t0.AddHours(i))));
        }
        async Task<string[]> Keys(TableFilter f) =>
            (await Store.QueryAsync(table, new TableQuery("p") { Filter = f })).Entities.Select(e => e.RowKey).ToArray();

        Assert.Equal(["r0", "r3"], await Keys(TableFilter.Equal("Status", "Active")));
        Assert.Equal(["r1", "r2", "r4", "r5"], await Keys(TableFilter.NotEqual("Status", "Active")));
        Assert.Equal(["r4", "r5"], await Keys(TableFilter.GreaterThanOrEqual("Count", 4)));
        Assert.Equal(["r0", "r1"], await Keys(TableFilter.LessThan("Total", 2000L)));
        Assert.Equal(["r5"], await Keys(TableFilter.GreaterThan("Score", 5.0)));
        Assert.Equal(["r2", "r3"], await Keys(TableFilter.GreaterThanOrEqual("At", t0.AddHours(2)) & TableFilter.LessThanOrEqual("At", t0.AddHours(3))));
        Assert.Equal(["r0", "r5"], await Keys(TableFilter.Equal("Count", 0) | TableFilter.Equal("Count", 5)));
        Assert.Equal(["r3"], await Keys(TableFilter.Equal("Status", "Active") & TableFilter.GreaterThan("Count", 0)));
        Assert.Empty(await Keys(TableFilter.Equal("Missing", "x")));
    }

    [Theory]
    [InlineData("x' or RowKey ne '")]
    [InlineData("Active' or Status ne 'Active")]
    [InlineData("') or true or ('")]
    [InlineData("%27 or 1 eq 1")]
    public async Task FilterValuesCannotWidenAQuery(string hostile)
    {
        var table = await NewTableAsync();
        await Store.InsertAsync(table, Row("p", "a", ("Status", "Active")));
        await Store.InsertAsync(table, Row("p", "b", ("Status", "Closed")));
        await Store.InsertAsync(table, Row("p", "c", ("Status", hostile)));

        var page = await Store.QueryAsync(table, new TableQuery("p") { Filter = TableFilter.Equal("Status", hostile) });
        Assert.Equal(["c"], page.Entities.Select(e => e.RowKey));
    }

    [Fact]
    public async Task ATransactionAppliesEveryOperation()
    {
        var table = await NewTableAsync();
        var existing = await Store.InsertAsync(table, Row("p", "keep", ("V", 1)));
        await Store.InsertAsync(table, Row("p", "gone"));
        var etags = await Store.SubmitTransactionAsync(table,
        [
            new(TableTransactionActionType.Insert, Row("p", "new", ("V", 1))),
            new(TableTransactionActionType.Replace, Row("p", "keep", ("V", 2)), existing),
            new(TableTransactionActionType.UpsertMerge, Row("p", "upserted", ("V", 3))),
            new(TableTransactionActionType.Delete, new TableEntity("p", "gone"), ETag.All),
        ]);
        Assert.Equal(4, etags.Count);
        Assert.NotEqual(default, etags[0]);
        Assert.NotEqual(default, etags[1]);
        var rows = (await Store.QueryAsync(table, new TableQuery("p"))).Entities.ToDictionary(e => e.RowKey);
        Assert.Equal(["keep", "new", "upserted"], rows.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, rows["keep"]["V"]);
        Assert.Equal(etags[1], rows["keep"].ETag);
    }

    [Fact]
    public async Task AFailedTransactionWritesNothingAndNamesTheOperation()
    {
        var table = await NewTableAsync();
        await Store.InsertAsync(table, Row("p", "exists", ("V", 1)));
        var ex = await Assert.ThrowsAsync<TableTransactionFailedException>(() => Store.SubmitTransactionAsync(table,
        [
            new(TableTransactionActionType.Insert, Row("p", "x")),
            new(TableTransactionActionType.UpsertReplace, Row("p", "y", ("V", 2))),
            new(TableTransactionActionType.Insert, Row("p", "exists", ("V", 3))),
            new(TableTransactionActionType.Insert, Row("p", "z")),
        ]));
        Assert.Equal(409, ex.Status);
        Assert.Equal(2, ex.FailedIndex);
        Assert.Null(await Store.GetEntityIfExistsAsync(table, "p", "x"));
        Assert.Null(await Store.GetEntityIfExistsAsync(table, "p", "y"));
        Assert.Equal(1, (await Store.GetEntityIfExistsAsync(table, "p", "exists"))!["V"]);
    }

    [Fact]
    public async Task AFailedConditionalTransactionRollsBackEarlierOperations()
    {
        var table = await NewTableAsync();
        var stale = await Store.InsertAsync(table, Row("p", "row", ("V", 1)));
        await Store.ReplaceAsync(table, Row("p", "row", ("V", 2)), stale);
        var ex = await Assert.ThrowsAsync<TableTransactionFailedException>(() => Store.SubmitTransactionAsync(table,
        [
            new(TableTransactionActionType.Insert, Row("p", "first")),
            new(TableTransactionActionType.Delete, new TableEntity("p", "second-missing"), ETag.All),
        ]));
        Assert.Equal(404, ex.Status);
        Assert.Equal(1, ex.FailedIndex);

        var ex2 = await Assert.ThrowsAsync<TableTransactionFailedException>(() => Store.SubmitTransactionAsync(table,
        [
            new(TableTransactionActionType.Insert, Row("p", "first")),
            new(TableTransactionActionType.Merge, Row("p", "row", ("V", 9)), stale),
        ]));
        Assert.Equal(412, ex2.Status);
        Assert.Equal(1, ex2.FailedIndex);
        Assert.Null(await Store.GetEntityIfExistsAsync(table, "p", "first"));
        Assert.Equal(2, (await Store.GetEntityIfExistsAsync(table, "p", "row"))!["V"]);
    }

    [Fact]
    public async Task TransactionsRefuseMoreThan100OperationsMixedPartitionsAndRepeatedRows()
    {
        var table = await NewTableAsync();
        var tooMany = Enumerable.Range(0, 101).Select(i => new TableTransactionAction(TableTransactionActionType.Insert, Row("p", $"r{i}"))).ToList();
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SubmitTransactionAsync(table, tooMany));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SubmitTransactionAsync(table,
            [new(TableTransactionActionType.Insert, Row("p", "a")), new(TableTransactionActionType.Insert, Row("q", "b"))]));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SubmitTransactionAsync(table,
            [new(TableTransactionActionType.Insert, Row("p", "a")), new(TableTransactionActionType.UpsertMerge, Row("p", "a"))]));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SubmitTransactionAsync(table, []));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SubmitTransactionAsync(table,
            [new(TableTransactionActionType.Replace, Row("p", "a"))])); // a forgotten ETag
        var big = Enumerable.Range(0, 5).Select(i => new TableTransactionAction(TableTransactionActionType.Insert,
            Row("p", $"big{i}", Enumerable.Range(0, 30).Select(j => ($"S{j}", (object)new string('x', 16_000))).ToArray()))).ToList();
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SubmitTransactionAsync(table, big)); // over 4 MiB
        Assert.Empty((await Store.QueryAsync(table, new TableQuery("p"))).Entities);
    }

    [Fact]
    public async Task ATransactionOf100OperationsSucceeds()
    {
        var table = await NewTableAsync();
        var actions = Enumerable.Range(0, 100).Select(i => new TableTransactionAction(TableTransactionActionType.Insert, Row("p", $"r{i:D3}", ("I", i)))).ToList();
        await Store.SubmitTransactionAsync(table, actions);
        var page = await Store.QueryAsync(table, new TableQuery("p"));
        Assert.Equal(100, page.Entities.Count);
    }

    [Fact]
    public async Task ConcurrentConditionalUpdatesLetExactlyOneWin()
    {
        var table = await NewTableAsync();
        var etag = await Store.InsertAsync(table, Row("p", "counter", ("V", 0)));
        var results = await Task.WhenAll(Enumerable.Range(1, 8).Select(async i =>
        {
            try
            {
                await Store.ReplaceAsync(table, Row("p", "counter", ("V", i)), etag);
                return true;
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                return false;
            }
        }));
        Assert.Equal(1, results.Count(r => r));
    }

    [Fact]
    public async Task ForbiddenKeysAndValuesAreRefusedBeforeAnythingIsSent()
    {
        var table = await NewTableAsync();
        Assert.Throws<ArgumentException>(() => new TableEntity("a/b", "r"));
        Assert.Throws<ArgumentException>(() => new TableEntity("p", "a#b"));
        Assert.Throws<ArgumentException>(() => new TableEntity("p", "a?b"));
        Assert.Throws<ArgumentException>(() => new TableEntity("p", "a\\b"));
        Assert.Throws<ArgumentException>(() => new TableEntity("p", "a\u0001b"));
        Assert.Throws<ArgumentException>(() => new TableEntity("p", new string('x', 1025)));
        var e = new TableEntity("p", "r");
        Assert.Throws<ArgumentException>(() => e["Bad-Name"] = 1);
        Assert.Throws<ArgumentException>(() => e["PartitionKey"] = "x");
        Assert.Throws<ArgumentException>(() => e["Decimal"] = 1.5m);
        Assert.Throws<ArgumentException>(() => e["Huge"] = new string('x', 32 * 1024 + 1));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.QueryAsync("bad-table", new TableQuery("p")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.QueryAsync(table, new TableQuery("p") { Top = 1001 }));
    }
}
