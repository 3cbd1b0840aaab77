package dev.tollgate.server.proxy;

import dev.tollgate.core.customer.CustomerIdSource;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a completion route demands of a call's customer id, from config.
 *
 * @param track                  false with {@code litellm_settings.disable_end_user_cost_tracking}: ids are ignored
 * @param enforceUserParam       {@code enforce_user_param}: a body without {@code user} gets LiteLLM's 401
 * @param safetyIdentifierCounts a {@code safety_identifier} satisfies {@code enforce_user_param} too (it is
 *                               one of the configured sources: the current SDKs send it instead of {@code user})
 * @param required               {@code require_customer_id}: a call that names no customer gets a 400
 * @param sources                the configured sources, named in the refusal
 */
record CustomerIdPolicy(
        boolean track,
        boolean enforceUserParam,
        boolean safetyIdentifierCounts,
        boolean required,
        List<CustomerIdSource> sources) {

    static CustomerIdPolicy of(
            boolean track, boolean enforceUserParam, boolean required, List<CustomerIdSource> sources) {
        return new CustomerIdPolicy(
                track,
                enforceUserParam,
                track && sources.contains(CustomerIdSource.SAFETY_IDENTIFIER),
                required,
                List.copyOf(sources));
    }

    /** The 400 of a call that names no customer while one is required. */
    TollgateException missing() {
        List<String> ways = new ArrayList<>();
        for (CustomerIdSource s : sources) {
            ways.add(
                    switch (s) {
                        case HEADER -> "the header x-litellm-customer-id";
                        case USER -> "'user'";
                        case SAFETY_IDENTIFIER -> "'safety_identifier'";
                        case METADATA -> "'metadata.user_id'";
                    });
        }
        return new TollgateException(
                ErrorKind.INVALID_REQUEST,
                "No customer id: this proxy attributes every call to a customer"
                        + " (general_settings.require_customer_id). Send one as " + String.join(" or ", ways) + ".",
                "user");
    }
}
