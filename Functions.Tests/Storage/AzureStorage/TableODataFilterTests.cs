using Functions.Storage;
using Functions.Storage.AzureStorage;

namespace Functions.Tests.Storage.AzureStorage;

public sealed class TableODataFilterTests
{
    public static TheoryData<object, string> Literals => new()
    {
        { "plain", "'plain'" },
        { "it's", "'it''s'" },
        { "x' or RowKey ne '", "'x'' or RowKey ne '''" },
        { "", "''" },
        { true, "true" },
        { false, "false" },
        { -42, "-42" },
        { 42L, "42L" },
        { long.MinValue, "-9223372036854775808L" },
        { 5.0, "5.0" },
        { -0.0, "-0.0" },
        { 0.1, "0.1" },
        { 1e20, "100000000000000000000.0" },
        { -1.5e-7, "-0.00000015" },
        { 1.2345e-5, "0.000012345" },
        { 1.2345e5, "123450.0" },
        { 1.2345e17, "123450000000000000.0" },
        { 1.7976931348623157e308, "17976931348623157" + new string('0', 292) + ".0" },
        { double.Epsilon, "0." + new string('0', 323) + "5" },
        { new DateTimeOffset(2024, 2, 29, 1, 2, 3, TimeSpan.FromHours(-5)).AddTicks(1), "datetime'2024-02-29T06:02:03.0000001Z'" },
        { new Guid("0f8fad5b-d9cb-469f-a165-70867728950e"), "guid'0f8fad5b-d9cb-469f-a165-70867728950e'" },
        { new byte[] { 0x0a, 0xff, 0x00 }, "X'0aff00'" },
    };

    [Theory]
    [MemberData(nameof(Literals))]
    public void ValuesBecomeTypedEscapedLiterals(object value, string expected) =>
        Assert.Equal(expected, TableODataFilter.Literal(TableRules.NormalizeValue("P", value)));

    [Theory]
    [InlineData(1e300)]
    [InlineData(-4.9406564584124654e-324)]
    [InlineData(6.02214076e23)]
    [InlineData(1.0 / 3)]
    [InlineData(-123456.789e-200)]
    public void FixedPointLiteralsParseBackToTheSameDouble(double value)
    {
        var literal = TableODataFilter.FixedPoint(value);
        Assert.DoesNotContain("E", literal, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(value, double.Parse(literal, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void LiteralsIgnoreTheCurrentCulture()
    {
        var previous = Thread.CurrentThread.CurrentCulture;
        try
        {
            Thread.CurrentThread.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture.Clone() is System.Globalization.CultureInfo c
                ? WithCommaDecimal(c)
                : previous;
            Assert.Equal("2.5", TableODataFilter.Literal(2.5));
            Assert.Equal("-3", TableODataFilter.Literal(-3));
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = previous;
        }

        static System.Globalization.CultureInfo WithCommaDecimal(System.Globalization.CultureInfo culture)
        {
            culture.NumberFormat.NumberDecimalSeparator = ",";
            culture.NumberFormat.NegativeSign = "~";
            return culture;
        }
    }

    [Fact]
    public void NonFiniteDoublesCannotBeFilteredOn()
    {
        Assert.Throws<ArgumentException>(() => TableODataFilter.Literal(double.NaN));
        Assert.Throws<ArgumentException>(() => TableODataFilter.Literal(double.NegativeInfinity));
    }

    [Fact]
    public void QueryRendersPartitionRangeAndParenthesisedFilter()
    {
        var query = TableQuery.WithRowKeyPrefix("tenant'1", "order|") with
        {
            Filter = TableFilter.Equal("Status", "open") & (TableFilter.GreaterThan("Total", 10.0) | TableFilter.LessThanOrEqual("Count", 3L)),
        };

        Assert.Equal(
            "PartitionKey eq 'tenant''1' and RowKey ge 'order|' and RowKey lt 'order}' and "
            + "((Status eq 'open') and ((Total gt 10.0) or (Count le 3L)))",
            TableODataFilter.Render(query));
        Assert.Equal("PartitionKey eq 'p'", TableODataFilter.Render(new TableQuery("p")));
        Assert.Equal("PartitionKey eq 'p' and (Timestamp lt datetime'2025-01-01T00:00:00.0000000Z')",
            TableODataFilter.Render(new TableQuery("p") { Filter = TableFilter.LessThan("Timestamp", new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)) }));
    }

    [Fact]
    public void ContinuationTokensRoundTripAndRejectForgeries()
    {
        var token = TableContinuation.Encode("1!8!cHE-", "1!12!cjI+Lw==");

        Assert.NotNull(token);
        Assert.Equal(("1!8!cHE-", "1!12!cjI+Lw=="), TableContinuation.Decode(token));
        Assert.Null(TableContinuation.Encode(null, null));
        Assert.Null(TableContinuation.Encode("", "x"));
        Assert.Equal(("pk", ""), TableContinuation.Decode(TableContinuation.Encode("pk", null)!));
        Assert.Throws<ArgumentException>(() => TableContinuation.Decode("***"));
        Assert.Throws<ArgumentException>(() => TableContinuation.Decode("bm9uZXdsaW5l"));
    }

    [Fact]
    public void TransactionsAreCheckedBeforeSending()
    {
        TableTransactionAction Insert(string pk, string rk) => new(TableTransactionActionType.Insert, new TableEntity(pk, rk));

        Assert.Throws<ArgumentException>(() => TableRules.ValidateTransaction([]));
        Assert.Throws<ArgumentException>(() => TableRules.ValidateTransaction(Enumerable.Range(0, 101).Select(i => Insert("p", $"r{i}")).ToList()));
        Assert.Throws<ArgumentException>(() => TableRules.ValidateTransaction([Insert("p", "a"), Insert("q", "b")]));
        Assert.Throws<ArgumentException>(() => TableRules.ValidateTransaction([Insert("p", "a"), new(TableTransactionActionType.Delete, new TableEntity("p", "a"))]));
        TableRules.ValidateTransaction(Enumerable.Range(0, 100).Select(i => Insert("p", $"r{i}")).ToList());
    }
}
