package dev.tollgate.admin.spend;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

/** A DataSource that can be switched off, to play a database outage without stopping the server. */
final class FlakyDataSource extends dev.tollgate.admin.db.DelegatingDataSource {
    final AtomicBoolean down = new AtomicBoolean();

    FlakyDataSource(DataSource delegate) {
        super(delegate);
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (down.get()) {
            throw new SQLTransientConnectionException("database unavailable (test)", "08001");
        }
        return delegate.getConnection();
    }
}
