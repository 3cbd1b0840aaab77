package dev.tollgate.core.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BudgetDurationTest {
    private static final ZoneId UTC = ZoneOffset.UTC;
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private static final ZoneId KOLKATA = ZoneId.of("Asia/Kolkata");

    private static Instant at(String iso) {
        return Instant.parse(iso);
    }

    private static Instant next(String duration, String now, ZoneId zone) {
        return BudgetDuration.parse(duration).nextReset(at(now), zone);
    }

    @ParameterizedTest
    @CsvSource({
        "30s,30,SECONDS",
        "1m,1,MINUTES",
        "15m,15,MINUTES",
        "2h,2,HOURS",
        "1d,1,DAYS",
        "30d,30,DAYS",
        "2w,2,WEEKS",
        "1mo,1,MONTHS",
        "3mo,3,MONTHS",
        "hourly,1,HOURS",
        "daily,1,DAYS",
        "weekly,1,WEEKS",
        "monthly,1,MONTHS"
    })
    void parsesEveryForm(String text, int amount, BudgetDuration.Unit unit) {
        BudgetDuration d = BudgetDuration.parse(text);
        assertThat(d.amount()).isEqualTo(amount);
        assertThat(d.unit()).isEqualTo(unit);
        assertThat(d.text()).isEqualTo(text);
    }

    @Test
    void keywordsEqualTheirNumericForms() {
        assertThat(BudgetDuration.parse("monthly")).isEqualTo(BudgetDuration.parse("1mo"));
        assertThat(BudgetDuration.parse("weekly")).isEqualTo(BudgetDuration.parse("1w"));
        assertThat(BudgetDuration.parse(" 1d ").text()).isEqualTo("1d");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0d", "d", "30", "1y", "1hr", "-1d", "1.5h", "1 d", "1D", "yearly", "1234567890s"})
    void rejectsInvalidText(String text) {
        assertThatThrownBy(() -> BudgetDuration.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Invalid budget_duration '" + text + "': use Ns, Nm, Nh, Nd, Nw or Nmo (e.g. 30d, 1mo)");
    }

    @Test
    void rejectsNull() {
        assertThatThrownBy(() -> BudgetDuration.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void secondsAlignToMultiplesWithinTheDay() {
        assertThat(next("30s", "2025-03-10T10:00:12Z", UTC)).isEqualTo(at("2025-03-10T10:00:30Z"));
        assertThat(next("30s", "2025-03-10T10:00:30Z", UTC)).isEqualTo(at("2025-03-10T10:01:00Z"));
        assertThat(next("30s", "2025-03-10T10:00:29.999Z", UTC)).isEqualTo(at("2025-03-10T10:00:30Z"));
        assertThat(next("30s", "2025-03-10T23:59:45Z", UTC)).isEqualTo(at("2025-03-11T00:00:00Z"));
    }

    @Test
    void minutesAndHoursAlignWithinTheDay() {
        assertThat(next("15m", "2025-03-10T10:07:00Z", UTC)).isEqualTo(at("2025-03-10T10:15:00Z"));
        assertThat(next("1m", "2025-03-10T10:07:59Z", UTC)).isEqualTo(at("2025-03-10T10:08:00Z"));
        assertThat(next("1h", "2025-03-10T10:00:00Z", UTC)).isEqualTo(at("2025-03-10T11:00:00Z"));
        assertThat(next("6h", "2025-03-10T13:20:00Z", UTC)).isEqualTo(at("2025-03-10T18:00:00Z"));
        assertThat(next("5h", "2025-03-10T21:00:00Z", UTC)).isEqualTo(at("2025-03-11T00:00:00Z"));
    }

    @Test
    void hoursFollowTheZonesWallClock() {
        // Kolkata is UTC+05:30: local hour boundaries are at :30 UTC.
        assertThat(next("1h", "2025-03-10T10:10:00Z", KOLKATA)).isEqualTo(at("2025-03-10T10:30:00Z"));
    }

    @Test
    void daysResetAtLocalMidnight() {
        assertThat(next("1d", "2025-03-10T10:00:00Z", UTC)).isEqualTo(at("2025-03-11T00:00:00Z"));
        assertThat(next("1d", "2025-03-10T00:00:00Z", UTC)).isEqualTo(at("2025-03-11T00:00:00Z"));
        // 23:30 UTC on the 10th is already the 11th in Berlin (UTC+1).
        assertThat(next("1d", "2025-03-10T23:30:00Z", BERLIN)).isEqualTo(at("2025-03-11T23:00:00Z"));
        assertThat(next("2d", "2025-03-10T10:00:00Z", UTC)).isEqualTo(at("2025-03-12T00:00:00Z"));
        assertThat(next("daily", "2025-03-10T10:00:00Z", NEW_YORK)).isEqualTo(at("2025-03-11T04:00:00Z"));
    }

    @Test
    void weeksResetOnMonday() {
        // 2025-03-12 is a Wednesday.
        assertThat(next("7d", "2025-03-12T10:00:00Z", UTC)).isEqualTo(at("2025-03-17T00:00:00Z"));
        assertThat(next("1w", "2025-03-12T10:00:00Z", UTC)).isEqualTo(at("2025-03-17T00:00:00Z"));
        assertThat(next("2w", "2025-03-12T10:00:00Z", UTC)).isEqualTo(at("2025-03-24T00:00:00Z"));
        // On a Monday at midnight the reset is strictly after now: the following Monday.
        assertThat(next("weekly", "2025-03-17T00:00:00Z", UTC)).isEqualTo(at("2025-03-24T00:00:00Z"));
    }

    @Test
    void monthsResetOnTheFirst() {
        assertThat(next("30d", "2025-01-31T12:00:00Z", UTC)).isEqualTo(at("2025-02-01T00:00:00Z"));
        assertThat(next("1mo", "2025-12-31T23:59:59Z", UTC)).isEqualTo(at("2026-01-01T00:00:00Z"));
        assertThat(next("3mo", "2025-11-15T00:00:00Z", UTC)).isEqualTo(at("2026-02-01T00:00:00Z"));
        assertThat(next("monthly", "2025-06-01T00:00:00Z", UTC)).isEqualTo(at("2025-07-01T00:00:00Z"));
    }

    @Test
    void leapYears() {
        assertThat(next("1d", "2024-02-28T10:00:00Z", UTC)).isEqualTo(at("2024-02-29T00:00:00Z"));
        assertThat(next("1d", "2024-02-29T10:00:00Z", UTC)).isEqualTo(at("2024-03-01T00:00:00Z"));
        assertThat(next("1d", "2025-02-28T10:00:00Z", UTC)).isEqualTo(at("2025-03-01T00:00:00Z"));
        assertThat(next("1mo", "2024-02-29T10:00:00Z", UTC)).isEqualTo(at("2024-03-01T00:00:00Z"));
        assertThat(next("12mo", "2024-02-29T10:00:00Z", UTC)).isEqualTo(at("2025-02-01T00:00:00Z"));
    }

    @Test
    void monthInBerlinUsesLocalFirstAcrossDst() {
        // Local 2025-04-01 00:00 is CEST (UTC+2), although "now" is in CET.
        assertThat(next("1mo", "2025-03-15T12:00:00Z", BERLIN)).isEqualTo(at("2025-03-31T22:00:00Z"));
        // 30 Oct 2025 22:30 UTC is 23:30 CET (winter time since 26 Oct): midnight is 30 minutes away.
        assertThat(next("1d", "2025-10-30T22:30:00Z", BERLIN)).isEqualTo(at("2025-10-30T23:00:00Z"));
    }

    @Test
    void springForwardGapFiresWhenTheGapEnds() {
        // Berlin 2025-03-30: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
        assertThat(next("1h", "2025-03-30T00:30:00Z", BERLIN)).isEqualTo(at("2025-03-30T01:00:00Z"));
        assertThat(next("2h", "2025-03-30T00:30:00Z", BERLIN)).isEqualTo(at("2025-03-30T01:00:00Z"));
        // After the gap, 03:30 CEST → 04:00 CEST = 02:00 UTC.
        assertThat(next("1h", "2025-03-30T01:30:00Z", BERLIN)).isEqualTo(at("2025-03-30T02:00:00Z"));
        // The day after a short (23 h) day still resets at local midnight.
        assertThat(next("1d", "2025-03-30T12:00:00Z", BERLIN)).isEqualTo(at("2025-03-30T22:00:00Z"));
    }

    @Test
    void fallBackOverlapFiresOnEachOccurrence() {
        // Berlin 2025-10-26: 03:00 CEST falls back to 02:00 CET at 01:00 UTC; 02:xx happens twice.
        assertThat(next("1h", "2025-10-26T00:10:00Z", BERLIN)) // 02:10 CEST
                .isEqualTo(at("2025-10-26T01:00:00Z")); // 02:00 CET, the second 02:00
        assertThat(next("1h", "2025-10-26T01:10:00Z", BERLIN)) // 02:10 CET
                .isEqualTo(at("2025-10-26T02:00:00Z")); // 03:00 CET
        assertThat(next("1h", "2025-10-25T23:30:00Z", BERLIN)) // 01:30 CEST
                .isEqualTo(at("2025-10-26T00:00:00Z")); // first 02:00 (CEST)
        assertThat(next("30m", "2025-10-26T00:40:00Z", BERLIN)) // 02:40 CEST
                .isEqualTo(at("2025-10-26T01:00:00Z")); // 02:00 CET
        // 25-hour day: midnight to midnight still aligned.
        assertThat(next("1d", "2025-10-26T12:00:00Z", BERLIN)).isEqualTo(at("2025-10-26T23:00:00Z"));
    }

    @Test
    void resetIsAlwaysStrictlyAfterNowAcrossAYearOfHours() {
        BudgetDuration[] durations = {
            BudgetDuration.parse("1h"),
            BudgetDuration.parse("45m"),
            BudgetDuration.parse("1d"),
            BudgetDuration.parse("7d"),
            BudgetDuration.parse("1mo")
        };
        Instant now = at("2025-01-01T00:17:00Z");
        for (int i = 0; i < 24 * 366; i++) {
            for (BudgetDuration d : durations) {
                for (ZoneId zone : new ZoneId[] {BERLIN, NEW_YORK}) {
                    Instant reset = d.nextReset(now, zone);
                    assertThat(reset).as("%s at %s in %s", d, now, zone).isAfter(now);
                    assertThat(reset).isBeforeOrEqualTo(now.plusSeconds(32L * 86_400));
                }
            }
            now = now.plusSeconds(3600);
        }
    }

    @Test
    void currentPeriodEndKeepsAFutureStoredResetAndRenewsAPastOne() {
        BudgetDuration d = BudgetDuration.parse("1d");
        Instant now = at("2025-03-10T10:00:00Z");
        Instant future = at("2025-03-12T00:00:00Z");
        assertThat(d.currentPeriodEnd(future, now, UTC)).isEqualTo(future);
        assertThat(d.currentPeriodEnd(null, now, UTC)).isEqualTo(at("2025-03-11T00:00:00Z"));
        assertThat(d.currentPeriodEnd(now, now, UTC)).isEqualTo(at("2025-03-11T00:00:00Z"));
        assertThat(d.currentPeriodEnd(at("2025-03-01T00:00:00Z"), now, UTC)).isEqualTo(at("2025-03-11T00:00:00Z"));
    }
}
