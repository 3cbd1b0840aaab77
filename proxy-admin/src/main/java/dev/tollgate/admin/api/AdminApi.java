package dev.tollgate.admin.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.admin.budget.BudgetInput;
import dev.tollgate.admin.budget.BudgetRepository;
import dev.tollgate.admin.budget.BudgetRow;
import dev.tollgate.admin.budget.BudgetService;
import dev.tollgate.admin.budget.ResetSchedule;
import dev.tollgate.admin.customer.ActivityFilter;
import dev.tollgate.admin.customer.CustomerRepository;
import dev.tollgate.admin.customer.CustomerService;
import dev.tollgate.admin.customer.CustomerStatus;
import dev.tollgate.admin.customer.CustomerUpdate;
import dev.tollgate.admin.customer.DailyActivityRepository;
import dev.tollgate.admin.customer.DailyActivityService;
import dev.tollgate.admin.customer.LiveSpend;
import dev.tollgate.admin.customer.NewCustomer;
import dev.tollgate.admin.customer.PythonRepr;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.limits.InvalidationBus;
import dev.tollgate.core.limits.LimitStore;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * LiteLLM-compatible {@code /customer/*} (also {@code /end_user/*}) and {@code /budget/*} routes as
 * plain request-to-response functions: routing, JSON parsing and rendering live here, the rules in
 * {@link CustomerService} and {@link BudgetService}. Errors are thrown as {@link TollgateException}
 * and rendered in the OpenAI error shape by the HTTP edge.
 *
 * <p>Synchronous and blocking (JDBC): call it from the JDBC executor, never from an event loop.
 */
public final class AdminApi {
    /** What {@code created_by}/{@code updated_by} hold when the edge names no actor (LiteLLM's admin name). */
    static final String DEFAULT_ACTOR = "default_user_id";

    private static final int DEFAULT_LIST_PAGE_SIZE = 100;
    private static final int DEFAULT_ACTIVITY_PAGE_SIZE = 10;
    private static final int MAX_PAGE_SIZE = 1000;
    private static final int DEFAULT_ACTIVITY_DAYS = 30;

    private final CustomerService customers;
    private final BudgetService budgets;
    private final DailyActivityService activity;
    private final Clock clock;
    private final Map<String, Route> routes = new HashMap<>();

    private record Route(String method, Function<AdminRequest, JsonNode> handler) {}

    public AdminApi(DataSource ds, LimitStore limits, InvalidationBus bus, AdminSettings settings, Clock clock) {
        this.clock = clock;
        ResetSchedule schedule = new ResetSchedule(clock, settings.timezone());
        BudgetRepository budgetRepo = new BudgetRepository();
        CustomerRepository customerRepo = new CustomerRepository();
        this.budgets = new BudgetService(ds, budgetRepo, schedule, bus, settings.defaultBudgetId());
        this.customers = new CustomerService(
                ds,
                customerRepo,
                budgetRepo,
                budgets,
                schedule,
                new LiveSpend(limits),
                bus,
                settings.modelNames(),
                settings.defaultBudgetId());
        this.activity = new DailyActivityService(ds, new DailyActivityRepository(), customerRepo);

        route("POST", "/customer/new", this::customerNew);
        route("GET", "/customer/info", this::customerInfo);
        route("POST", "/customer/update", this::customerUpdate);
        route("POST", "/customer/delete", this::customerDelete);
        route("GET", "/customer/list", this::customerList);
        route("POST", "/customer/block", this::customerBlock);
        route("POST", "/customer/unblock", this::customerUnblock);
        route("GET", "/customer/daily/activity", this::customerActivity);
        route("POST", "/budget/new", this::budgetNew);
        route("POST", "/budget/update", this::budgetUpdate);
        route("POST", "/budget/info", this::budgetInfo);
        route("GET", "/budget/list", r -> AdminJson.budgetListings(budgets.list(), settings.defaultBudgetId()));
        route("GET", "/budget/settings", this::budgetSettings);
        route("POST", "/budget/delete", this::budgetDelete);
    }

    private void route(String method, String path, Function<AdminRequest, JsonNode> handler) {
        routes.put(path, new Route(method, handler));
    }

    /** True for the paths this API owns: {@code /customer/...}, {@code /end_user/...}, {@code /budget/...}. */
    public static boolean handles(String path) {
        return path != null
                && (path.startsWith("/customer/") || path.startsWith("/end_user/") || path.startsWith("/budget/"));
    }

    /** Answers one call, or throws {@link TollgateException}. */
    public AdminResponse handle(AdminRequest req) {
        String path = canonical(req.path());
        Route route = routes.get(path);
        if (route == null) {
            throw new TollgateException(
                    ErrorKind.ROUTE_NOT_FOUND, "Route not found: " + req.method() + " " + req.path());
        }
        if (!route.method().equalsIgnoreCase(req.method())) {
            throw new TollgateException(
                    ErrorKind.METHOD_NOT_ALLOWED,
                    "Method " + req.method() + " not allowed on " + req.path() + "; use " + route.method() + ".",
                    null,
                    ErrorKind.METHOD_NOT_ALLOWED.status(),
                    Map.of("allow", route.method()));
        }
        return AdminResponse.ok(route.handler().apply(req));
    }

    /** {@code /end_user/x} is an alias of {@code /customer/x}; a trailing slash is ignored. */
    private static String canonical(String path) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return p.startsWith("/end_user/") ? "/customer/" + p.substring("/end_user/".length()) : p;
    }

    private static String actor(AdminRequest req) {
        return req.actor() == null || req.actor().isBlank() ? DEFAULT_ACTOR : req.actor();
    }

    // ---- customers ----

    private JsonNode customerNew(AdminRequest req) {
        ObjectNode body = AdminFields.object(req.body());
        String userId = AdminFields.customerId(body, "user_id");
        Boolean blocked = AdminFields.bool(body, "blocked");
        NewCustomer in = new NewCustomer(
                userId,
                AdminFields.text(body, "alias", AdminFields.ALIAS_UNITS),
                Boolean.TRUE.equals(blocked),
                AdminFields.budgetId(body, "budget_id"),
                AdminFields.usdNanos(body, "spend"),
                region(body),
                AdminFields.text(body, "default_model", AdminFields.MODEL_UNITS),
                AdminFields.budget(body));
        UnsupportedFields.reject(body);
        return AdminJson.customer(customers.create(in, actor(req)));
    }

    private JsonNode customerInfo(AdminRequest req) {
        String id = req.queryParam("end_user_id");
        if (id == null || id.isBlank()) {
            throw AdminFields.invalid("end_user_id is required", "end_user_id");
        }
        return AdminJson.customerInfo(customers.info(id));
    }

    private JsonNode customerUpdate(AdminRequest req) {
        ObjectNode body = AdminFields.object(req.body());
        CustomerUpdate in = new CustomerUpdate(
                AdminFields.requiredString(body, "user_id"), // addresses an existing row: looked up as given
                AdminFields.text(body, "alias", AdminFields.ALIAS_UNITS),
                AdminFields.bool(body, "blocked"),
                AdminFields.usdNanos(body, "max_budget"),
                AdminFields.budgetId(body, "budget_id"),
                region(body),
                AdminFields.text(body, "default_model", AdminFields.MODEL_UNITS));
        UnsupportedFields.reject(body);
        if (body.hasNonNull("model_max_budget")) {
            // LiteLLM drops it here silently; a limit that looks set but is not is refused instead.
            throw new TollgateException(
                    ErrorKind.BAD_REQUEST,
                    "model_max_budget cannot be changed through /customer/update: set it on the customer's budget"
                            + " with /budget/update (budget_id from /customer/info), or create the customer with it.",
                    "model_max_budget");
        }
        return AdminJson.customer(customers.update(in, actor(req)));
    }

    private JsonNode customerDelete(AdminRequest req) {
        List<String> ids = customers.delete(userIds(req));
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("deleted_customers", ids.size());
        o.put("message", "Successfully deleted customers with ids: " + PythonRepr.list(ids));
        return o;
    }

    private JsonNode customerList(AdminRequest req) {
        int page = intParam(req, "page", 1, 1, Integer.MAX_VALUE);
        int pageSize = intParam(req, "page_size", DEFAULT_LIST_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        String q = req.queryParam("q");
        String status = req.queryParam("status");
        CustomerStatus filter = status == null || status.isBlank()
                ? null
                : CustomerStatus.fromParam(status.trim())
                        .orElseThrow(() -> new TollgateException(
                                ErrorKind.INVALID_REQUEST,
                                "status must be one of " + CustomerStatus.params() + ". Received: " + status,
                                "status"));
        String after = req.queryParam("after");
        if (after != null && page > 1) {
            throw AdminFields.invalid("Use either page or after, not both.", "after");
        }
        return AdminJson.customers(customers.list(
                q == null || q.isBlank() ? null : q.trim(),
                filter,
                after == null || after.isEmpty() ? null : after,
                page,
                pageSize));
    }

    private JsonNode customerBlock(AdminRequest req) {
        // Block creates the customers it does not know: each id must obey the id rule.
        List<String> ids = AdminFields.customerIds(AdminFields.object(req.body()), "user_ids");
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.set("blocked_users", AdminJson.customers(customers.block(ids == null ? List.of() : ids)));
        return o;
    }

    private JsonNode customerUnblock(AdminRequest req) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.set("unblocked_users", AdminJson.customers(customers.unblock(userIds(req))));
        return o;
    }

    private JsonNode customerActivity(AdminRequest req) {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC)); // usage days are UTC days
        LocalDate end = dateParam(req, "end_date");
        LocalDate start = dateParam(req, "start_date");
        if (end == null) {
            end = start != null && start.isAfter(today) ? start : today;
        }
        if (start == null) {
            start = end.minusDays(DEFAULT_ACTIVITY_DAYS - 1);
        }
        if (start.isAfter(end)) {
            throw AdminFields.invalid(
                    "start_date must not be after end_date. Received: start_date=" + start + ", end_date=" + end,
                    "start_date");
        }
        String model = req.queryParam("model");
        ActivityFilter filter = new ActivityFilter(
                start,
                end,
                csv(req.queryParam("end_user_ids")),
                csv(req.queryParam("exclude_end_user_ids")),
                model == null || model.isBlank() ? null : model);
        int page = intParam(req, "page", 1, 1, Integer.MAX_VALUE);
        int pageSize = intParam(req, "page_size", DEFAULT_ACTIVITY_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        return AdminJson.activity(activity.page(filter, page, pageSize));
    }

    // ---- budgets ----

    private JsonNode budgetNew(AdminRequest req) {
        ObjectNode body = AdminFields.object(req.body());
        BudgetInput in = AdminFields.budget(body);
        UnsupportedFields.reject(body); // after the type checks, so a malformed value still gets its own message
        if (in.budgetId() != null && in.budgetId().isBlank()) {
            throw AdminFields.invalid("budget_id must not be blank", "budget_id");
        }
        return AdminJson.budget(budgets.create(in, actor(req)));
    }

    private JsonNode budgetUpdate(AdminRequest req) {
        ObjectNode body = AdminFields.object(req.body());
        BudgetInput in = AdminFields.budget(body);
        UnsupportedFields.reject(body);
        return AdminJson.budget(budgets.update(in, actor(req)));
    }

    private JsonNode budgetInfo(AdminRequest req) {
        List<String> ids = AdminFields.stringList(AdminFields.object(req.body()), "budgets");
        if (ids == null || ids.isEmpty()) {
            throw AdminFields.invalid("Specify list of budget id's to query. Passed in=[]", "budgets");
        }
        return AdminJson.budgets(budgets.info(ids));
    }

    private JsonNode budgetSettings(AdminRequest req) {
        String id = req.queryParam("budget_id");
        if (id == null || id.isBlank()) {
            throw AdminFields.invalid("budget_id is required", "budget_id");
        }
        Optional<BudgetRow> row = budgets.find(id);
        ObjectNode values = row.map(AdminJson::budget).orElse(null);
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (BudgetSetting s : BudgetSetting.values()) {
            ObjectNode o = out.addObject();
            o.put("field_name", s.field());
            o.put("field_type", s.type());
            o.put("field_description", s.description());
            o.set("field_value", values == null ? Json.MAPPER.nullNode() : values.get(s.field()));
            o.put("stored_in_db", true);
            o.putNull("field_default_value");
        }
        return out;
    }

    private JsonNode budgetDelete(AdminRequest req) {
        String id = AdminFields.requiredString(AdminFields.object(req.body()), "id");
        return AdminJson.budget(budgets.delete(id));
    }

    // ---- parameters ----

    private static String region(ObjectNode body) {
        String region = AdminFields.string(body, "allowed_model_region");
        if (region != null && !region.equals("eu") && !region.equals("us")) {
            throw AdminFields.invalid(
                    "allowed_model_region must be 'eu' or 'us'. Received: " + region, "allowed_model_region");
        }
        return region;
    }

    private static List<String> userIds(AdminRequest req) {
        List<String> ids = AdminFields.stringList(AdminFields.object(req.body()), "user_ids");
        return ids == null ? List.of() : ids;
    }

    private static int intParam(AdminRequest req, String name, int dflt, int min, int max) {
        String v = req.queryParam(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw AdminFields.invalid(
                name + " must be an integer between " + min + " and " + max + ". Received: " + v, name);
    }

    private static LocalDate dateParam(AdminRequest req, String name) {
        String v = req.queryParam(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            return LocalDate.parse(v.trim());
        } catch (DateTimeException e) {
            throw AdminFields.invalid(name + " must be a date in YYYY-MM-DD format. Received: " + v, name);
        }
    }

    private static List<String> csv(String v) {
        List<String> out = new ArrayList<>();
        if (v != null) {
            for (String s : v.split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    /** The fields {@code /budget/settings} describes, in LiteLLM's order. */
    private enum BudgetSetting {
        MAX_BUDGET("max_budget", "Float", "Hard limit in USD; requests fail once spend exceeds it."),
        SOFT_BUDGET(
                "soft_budget",
                "Float",
                "Alert level in USD: never refuses; past it, calls carry x-litellm-soft-budget-exceeded and one"
                        + " soft_budget_crossed webhook is sent per period."),
        MAX_PARALLEL(
                "max_parallel_requests",
                "Integer",
                "Calls of a customer in flight at once, fleet-wide (a stream counts until its end); over it, 429."),
        TPM("tpm_limit", "Integer", "Tokens per minute allowed per customer."),
        RPM("rpm_limit", "Integer", "Requests per minute allowed per customer."),
        DURATION("budget_duration", "String", "How often spend resets, e.g. 1d, 7d, 30d, 1mo."),
        MODEL_MAX(
                "model_max_budget",
                "Object",
                "Per-model budgets and limits of the customer, keyed by model name (the name clients send, or the"
                        + " provider-prefixed litellm_params.model), e.g. {\"gpt-4o\": {\"max_budget\": 0.5,"
                        + " \"budget_duration\": \"1d\", \"rpm_limit\": 10, \"tpm_limit\": 10000}}. Enforced in the same"
                        + " atomic admission as the customer's budget: over an entry's max_budget, calls of that model"
                        + " get 400 budget_exceeded while other models keep working; over its rpm_limit or tpm_limit,"
                        + " 429. Each entry's period resets on its own calendar.");

        private final String field;
        private final String type;
        private final String description;

        BudgetSetting(String field, String type, String description) {
            this.field = field;
            this.type = type;
            this.description = description;
        }

        String field() {
            return field;
        }

        String type() {
            return type;
        }

        String description() {
            return description;
        }
    }
}
