package dev.tollgate.admin.spend;

import dev.tollgate.admin.db.DelegatingDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;

/** A DataSource that can be switched off, to play a database outage without stopping the server. */
final class SwitchableDataSource extends DelegatingDataSource {
    final AtomicBoolean down = new AtomicBoolean();

    SwitchableDataSource(DataSource delegate) {
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
