package dev.tollgate.admin.budget;

import dev.tollgate.core.budget.BudgetDuration;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import java.time.Clock;
import java.time.ZoneId;

/**
 * The admin API's view of time: "now" from the injected clock, and calendar-aligned budget resets
 * in the configured time zone ({@code litellm_settings.timezone}). Every creation path uses
 * {@link #nextResetMs}, so a budget with a duration never has a null {@code budget_reset_at}
 * (LiteLLM issue #22013: a null reset time made the reset job zero spend minutes after creation).
 */
public final class ResetSchedule {
    private final Clock clock;
    private final ZoneId zone;

    public ResetSchedule(Clock clock, ZoneId zone) {
        this.clock = clock;
        this.zone = zone;
    }

    /** The time zone budget periods are aligned in. */
    public ZoneId zone() {
        return zone;
    }

    public long nowMs() {
        return clock.millis();
    }

    /** Parses a {@code budget_duration}; invalid text is a 400 on param {@code budget_duration}. */
    public BudgetDuration duration(String text) {
        try {
            return BudgetDuration.parse(text);
        } catch (IllegalArgumentException e) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, e.getMessage(), "budget_duration");
        }
    }

    /** End of the period containing now, for a valid duration. */
    public long nextResetMs(BudgetDuration duration) {
        return duration.nextReset(clock.instant(), zone).toEpochMilli();
    }
}
