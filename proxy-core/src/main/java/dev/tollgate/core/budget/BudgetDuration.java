package dev.tollgate.core.budget;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A budget's {@code budget_duration} ({@code 30s}, {@code 1h}, {@code 1d}, {@code 30d}, {@code 1mo}, ...)
 * and the calendar-aligned instant at which a period of that length ends.
 *
 * <p>Resets are aligned to the wall clock of a time zone ({@code litellm_settings.timezone}), as
 * LiteLLM's {@code get_next_standardized_reset_time} does: {@code 1d} ends at midnight, {@code 7d}
 * and weeks on Monday 00:00, {@code 30d} and months on the 1st 00:00, and sub-day durations on the
 * next second/minute/hour of the day that is a multiple of N. Daylight-saving changes are handled
 * on the instant line: a boundary that falls into a spring-forward gap fires when the gap ends, and
 * a boundary that occurs twice in a fall-back overlap fires on its first occurrence after now.
 */
public final class BudgetDuration {

    /** Unit of a duration string; {@code MONTHS} is calendar months ({@code mo}). */
    public enum Unit {
        SECONDS,
        MINUTES,
        HOURS,
        DAYS,
        WEEKS,
        MONTHS
    }

    // At most 9 digits so N always fits an int; "mo" before the single letters.
    private static final Pattern FORMAT = Pattern.compile("([0-9]{1,9})(mo|s|m|h|d|w)");
    private static final int SECONDS_PER_DAY = 86_400;

    private final int amount;
    private final Unit unit;
    private final String text;

    private BudgetDuration(int amount, Unit unit, String text) {
        this.amount = amount;
        this.unit = unit;
        this.text = text;
    }

    /**
     * Parses {@code Ns}, {@code Nm}, {@code Nh}, {@code Nd}, {@code Nw}, {@code Nmo} (N &ge; 1) and the
     * words {@code hourly}, {@code daily}, {@code weekly}, {@code monthly}.
     *
     * @throws IllegalArgumentException on anything else, with a message fit for an API client
     */
    public static BudgetDuration parse(String value) {
        if (value == null) {
            throw invalid(null);
        }
        String v = value.trim();
        switch (v) {
            case "hourly":
                return new BudgetDuration(1, Unit.HOURS, v);
            case "daily":
                return new BudgetDuration(1, Unit.DAYS, v);
            case "weekly":
                return new BudgetDuration(1, Unit.WEEKS, v);
            case "monthly":
                return new BudgetDuration(1, Unit.MONTHS, v);
            default:
                break;
        }
        Matcher m = FORMAT.matcher(v);
        if (!m.matches()) {
            throw invalid(value);
        }
        int n = Integer.parseInt(m.group(1));
        if (n < 1) {
            throw invalid(value);
        }
        return new BudgetDuration(n, unitOf(m.group(2)), v);
    }

    private static Unit unitOf(String suffix) {
        switch (suffix) {
            case "s":
                return Unit.SECONDS;
            case "m":
                return Unit.MINUTES;
            case "h":
                return Unit.HOURS;
            case "d":
                return Unit.DAYS;
            case "w":
                return Unit.WEEKS;
            default:
                return Unit.MONTHS;
        }
    }

    private static IllegalArgumentException invalid(String value) {
        return new IllegalArgumentException(
                "Invalid budget_duration '" + value + "': use Ns, Nm, Nh, Nd, Nw or Nmo (e.g. 30d, 1mo)");
    }

    /** The duration as it was written (trimmed), e.g. {@code 30d} or {@code monthly}; stored back as-is. */
    public String text() {
        return text;
    }

    public int amount() {
        return amount;
    }

    public Unit unit() {
        return unit;
    }

    /** The end of the budget period that contains {@code now}: the first reset boundary strictly after it. */
    public Instant nextReset(Instant now, ZoneId zone) {
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(zone, "zone");
        switch (unit) {
            case SECONDS:
                return nextWithinDay(now, zone, 1);
            case MINUTES:
                return nextWithinDay(now, zone, 60);
            case HOURS:
                return nextWithinDay(now, zone, 3600);
            case DAYS:
                return nextDayBoundary(now, zone);
            case WEEKS:
                return nextMonday(now, zone)
                        .plusWeeks(amount - 1L)
                        .atStartOfDay(zone)
                        .toInstant();
            default:
                return firstOfMonth(now, zone, amount);
        }
    }

    /**
     * The end of the current period given what is stored: the stored reset instant while it is
     * still ahead, otherwise a fresh one computed from {@code now}.
     */
    public Instant currentPeriodEnd(Instant storedResetAt, Instant now, ZoneId zone) {
        if (storedResetAt == null || !storedResetAt.isAfter(now)) {
            return nextReset(now, zone);
        }
        return storedResetAt;
    }

    private Instant nextDayBoundary(Instant now, ZoneId zone) {
        LocalDate today = LocalDate.ofInstant(now, zone);
        if (amount == 7) {
            return nextMonday(now, zone).atStartOfDay(zone).toInstant();
        }
        if (amount == 30) {
            return firstOfMonth(now, zone, 1);
        }
        return today.plusDays(amount).atStartOfDay(zone).toInstant();
    }

    private static LocalDate nextMonday(Instant now, ZoneId zone) {
        return LocalDate.ofInstant(now, zone).with(TemporalAdjusters.next(DayOfWeek.MONDAY));
    }

    private static Instant firstOfMonth(Instant now, ZoneId zone, int monthsAhead) {
        return LocalDate.ofInstant(now, zone)
                .withDayOfMonth(1)
                .plusMonths(monthsAhead)
                .atStartOfDay(zone)
                .toInstant();
    }

    /**
     * Next boundary for sub-day units: the wall-clock time of day, counted in {@code unitSeconds},
     * that is a multiple of N; past the end of the day the next midnight.
     */
    private Instant nextWithinDay(Instant now, ZoneId zone, int unitSeconds) {
        ZoneRules rules = zone.getRules();
        LocalDateTime local = LocalDateTime.ofInstant(now, zone);
        Instant candidate = toInstant(nextBoundaryAfter(local, unitSeconds), rules, now);

        // Before a fall-back transition the wall clock will run through the same times again;
        // a boundary in the repeated hour can then come before the candidate above.
        ZoneOffsetTransition transition = rules.nextTransition(now);
        if (transition != null
                && transition.isOverlap()
                && transition.getInstant().isBefore(candidate)) {
            LocalDateTime repeated = nextBoundaryAtOrAfter(transition.getDateTimeAfter(), unitSeconds);
            Instant again = repeated.toInstant(transition.getOffsetAfter());
            if (again.isAfter(now) && again.isBefore(candidate)) {
                return again;
            }
        }
        return candidate;
    }

    private LocalDateTime nextBoundaryAfter(LocalDateTime local, int unitSeconds) {
        long units = local.toLocalTime().toSecondOfDay() / unitSeconds;
        return boundary(local.toLocalDate(), (units / amount + 1) * amount * unitSeconds);
    }

    private LocalDateTime nextBoundaryAtOrAfter(LocalDateTime local, int unitSeconds) {
        long step = (long) amount * unitSeconds;
        if (local.getNano() == 0 && local.toLocalTime().toSecondOfDay() % step == 0) {
            return local;
        }
        return nextBoundaryAfter(local, unitSeconds);
    }

    private static LocalDateTime boundary(LocalDate day, long secondOfDay) {
        if (secondOfDay >= SECONDS_PER_DAY) {
            return day.plusDays(1).atStartOfDay();
        }
        return day.atStartOfDay().plusSeconds(secondOfDay);
    }

    /** Wall-clock time to instant: a gap time fires when the gap ends, an overlap time on its first occurrence after now. */
    private static Instant toInstant(LocalDateTime local, ZoneRules rules, Instant now) {
        List<ZoneOffset> offsets = rules.getValidOffsets(local);
        if (offsets.isEmpty()) {
            return rules.getTransition(local).getInstant();
        }
        for (ZoneOffset offset : offsets) {
            Instant i = local.toInstant(offset);
            if (i.isAfter(now)) {
                return i;
            }
        }
        // Unreachable for a local time after now's wall clock; keep the later occurrence to stay safe.
        return local.toInstant(offsets.get(offsets.size() - 1));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BudgetDuration other && other.amount == amount && other.unit == unit;
    }

    @Override
    public int hashCode() {
        return Objects.hash(amount, unit);
    }

    @Override
    public String toString() {
        return text;
    }
}
