namespace Berth.Data.Entities;

/// <summary>Harbor's project roles, with Harbor's ids.</summary>
public enum ProjectRole
{
    ProjectAdmin = 1,
    Developer = 2,
    Guest = 3,
    Maintainer = 4,
    LimitedGuest = 5,
}
