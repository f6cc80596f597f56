using System.Xml.Linq;
using Berth.Data;
using Berth.Data.Entities;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Berth.Auth;

/// <summary>ASP.NET Core's data-protection key ring in the database, so that every replica reads and writes one ring.</summary>
/// <remarks>The key manager calls this synchronously and rarely (at start, and when it rolls a key about every 90 days).</remarks>
public sealed class DatabaseXmlRepository(IServiceScopeFactory scopes) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        return db.DataProtectionKeys.OrderBy(k => k.Id).Select(k => k.Xml).AsEnumerable().Select(xml => XElement.Parse(xml)).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<BerthDbContext>();
        db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        db.SaveChanges();
    }
}
