// Nothing to run: this project only hosts `dotnet ef` (see the project file).
return 0;
