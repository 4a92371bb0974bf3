using Functions.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddFunctionsApp();

var app = builder.Build();
app.MapFunctionsApp();
app.RunOrPackage(args);

public partial class Program;
