using System.Reflection;

namespace Durable;

public static class ActivityNames
{
    public static string Of(MethodInfo method)
    {
        if (method.GetCustomAttribute<ActivityNameAttribute>() is { } attribute)
        {
            return attribute.Name;
        }
        var name = method.Name.EndsWith("Async", StringComparison.Ordinal) ? method.Name[..^5] : method.Name;
        return $"{method.DeclaringType!.Name}.{name}";
    }
}
