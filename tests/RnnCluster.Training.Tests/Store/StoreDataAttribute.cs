using System.Reflection;
using Xunit.Sdk;

namespace RnnCluster.Training.Tests.Store;

/// <summary>
/// A theory row whose first argument is the store to run against, followed by the row's other
/// arguments. SQLite rows always run; PostgreSQL rows are reported as skipped, with the reason,
/// unless <c>RNNCLUSTER_TEST_POSTGRES</c> names a server.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class StoreDataAttribute : DataAttribute
{
    private readonly object[] _row;

    public StoreDataAttribute(StoreKind store, params object[] more)
    {
        _row = [store, .. more];
        if (store == StoreKind.Postgres && PostgresTestDatabase.ConnectionString is null)
            Skip = PostgresTestDatabase.SkipReason;
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [_row];
}
