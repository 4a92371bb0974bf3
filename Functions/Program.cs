using Functions.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddFunctionsApp();

var app = builder.Build();
app.MapFunctionsApp();
app.Run();

public partial class Program;
