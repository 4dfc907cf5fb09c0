package ai.apprentice.envs.shop;

import ai.apprentice.envs.Episode;
import ai.apprentice.envs.UserSimulator;
import ai.apprentice.json.Json;
import ai.apprentice.tool.Tool;
import ai.apprentice.tool.ToolResult;
import ai.apprentice.tool.Tools;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One shopping trip through text pages: search, results (ten a page), a product with its options, its
 * description. The agent acts with {@code search[query]}, {@code click[item or option]} and {@code buy};
 * buying ends the episode and is scored by {@link ShopReward}.
 */
final class ShopEpisode implements Episode {
    static final int MAX_ACTIONS = 20;
    static final int PAGE_SIZE = 10;
    static final int MAX_RESULTS = 50;
    private static final Pattern ACTION = Pattern.compile("(?is)\\s*(search|click)\\s*\\[(.*)]\\s*");
    private static final String BACK = "Back to Search", NEXT = "Next >", PREV = "< Prev", DESCRIPTION = "Description", BUY = "Buy Now";

    private enum Page { SEARCH, RESULTS, ITEM, DESCRIPTION }

    private final String taskId;
    private final ShopTask task;
    private final Catalogue catalogue;
    private final ShopSearch search;
    private Page page = Page.SEARCH;
    private String query = "";
    private List<Integer> results = List.of();
    private int resultsPage;
    private Catalogue.Product item;
    private final Map<String, String> selected = new LinkedHashMap<>();
    private Catalogue.Product bought;
    private Map<String, String> boughtOptions = Map.of();
    private int actions;
    private boolean done;

    ShopEpisode(String taskId, ShopTask task, Catalogue catalogue, ShopSearch search) {
        this.taskId = taskId;
        this.task = task;
        this.catalogue = catalogue;
        this.search = search;
    }

    @Override public String taskId() { return taskId; }
    @Override public String policy() {
        return "You shop in a web store for the user. Act with the act tool: search[query] searches the catalogue, "
                + "click[...] clicks a product id, an option or a button shown in brackets on the page, and buy purchases the "
                + "product on the page with the options selected. Buy the product that best matches every requirement.";
    }
    @Override public String firstUserMessage() {
        return "Instruction: " + task.instruction() + "\n\n" + render();
    }
    @Override public synchronized String reply(String agentMessage) {
        actions++;
        done = true; // the shopper waits for a purchase, not for talk
        return UserSimulator.STOP;
    }
    @Override public synchronized boolean done() { return done; }
    @Override public synchronized int actions() { return actions; }
    @Override public int maxActions() { return MAX_ACTIONS; }
    @Override public List<String> goldOutputs() { return List.of(); }

    @Override
    public List<Tool> tools() {
        return List.of(Tools.builder("act")
                .description("Act in the shop: search[query], click[product id, option or button], or buy.")
                .param("action", "string", "for example search[red running shoes], click[B0ABC12345], click[large], click[Next >], buy")
                .execute((a, c) -> act(a.path("action").asText())));
    }

    synchronized ToolResult act(String action) {
        if (done) return ToolResult.error("The episode is over.");
        if (++actions >= MAX_ACTIONS) done = true;
        var result = apply(action);
        if (done && bought == null) return ToolResult.error(result.content() + "\n(The action limit of " + MAX_ACTIONS + " is reached; nothing was bought.)");
        return result;
    }

    private ToolResult apply(String raw) {
        String action = raw == null ? "" : raw.strip();
        if (action.equalsIgnoreCase("buy") || action.equalsIgnoreCase("buy now")) return click(BUY);
        var m = ACTION.matcher(action.length() > 2000 ? action.substring(0, 2000) : action);
        if (!m.matches()) {
            return ToolResult.error("Cannot read the action '" + abbreviate(action) + "'. Write search[query], click[item or option] or buy. "
                    + "On this page you can click: " + String.join(", ", clickables()));
        }
        String arg = m.group(2).strip();
        if (m.group(1).equalsIgnoreCase("search")) {
            if (arg.isEmpty()) return ToolResult.error("The search is empty: write search[words that describe the product].");
            query = arg;
            results = search.search(arg, MAX_RESULTS);
            resultsPage = 0;
            page = Page.RESULTS;
            return ToolResult.ok(render());
        }
        return click(arg);
    }

    private ToolResult click(String target) {
        String t = target.strip().toLowerCase(Locale.ROOT);
        if (t.equals("buy") || t.equals("buy now")) {
            if (page != Page.ITEM) return ToolResult.error("There is nothing to buy on this page: open a product first.");
            bought = item;
            boughtOptions = Map.copyOf(selected);
            done = true;
            return ToolResult.ok("Thank you for shopping with us! You bought " + item.title() + describeSelection() + ".");
        }
        if (page != Page.SEARCH && (t.equals("back to search") || t.equals("back"))) {
            page = Page.SEARCH;
            return ToolResult.ok(render());
        }
        switch (page) {
            case RESULTS -> {
                if (t.equals("next >") || t.equals("next")) {
                    if ((resultsPage + 1) * PAGE_SIZE >= results.size()) return ToolResult.error("This is the last page of results.");
                    resultsPage++;
                    return ToolResult.ok(render());
                }
                if ((t.equals("< prev") || t.equals("prev")) && resultsPage > 0) {
                    resultsPage--;
                    return ToolResult.ok(render());
                }
                for (int i : pageResults()) {
                    var p = catalogue.products().get(i);
                    if (p.id().equalsIgnoreCase(t)) {
                        item = p;
                        selected.clear();
                        page = Page.ITEM;
                        return ToolResult.ok(render());
                    }
                }
            }
            case ITEM -> {
                if (t.equals("< prev") || t.equals("prev")) {
                    page = Page.RESULTS;
                    return ToolResult.ok(render());
                }
                if (t.equals("description")) {
                    page = Page.DESCRIPTION;
                    return ToolResult.ok(render());
                }
                for (var e : item.options().entrySet()) {
                    for (var v : e.getValue()) {
                        if (v.equalsIgnoreCase(t)) {
                            selected.put(e.getKey(), v);
                            return ToolResult.ok(render());
                        }
                    }
                }
            }
            case DESCRIPTION -> {
                if (t.equals("< prev") || t.equals("prev")) {
                    page = Page.ITEM;
                    return ToolResult.ok(render());
                }
            }
            case SEARCH -> {
                return ToolResult.error("This is the search page: write search[query] first.");
            }
        }
        return ToolResult.error("There is no [" + abbreviate(target) + "] on this page. You can click: " + String.join(", ", clickables()));
    }

    private List<Integer> pageResults() {
        int from = resultsPage * PAGE_SIZE;
        return results.subList(Math.min(from, results.size()), Math.min(from + PAGE_SIZE, results.size()));
    }

    /** What can be clicked on the current page, as shown in brackets. */
    private List<String> clickables() {
        var out = new ArrayList<String>();
        switch (page) {
            case SEARCH -> { }
            case RESULTS -> {
                out.add(BACK);
                if (resultsPage > 0) out.add(PREV);
                if ((resultsPage + 1) * PAGE_SIZE < results.size()) out.add(NEXT);
                for (int i : pageResults()) out.add(catalogue.products().get(i).id());
            }
            case ITEM -> {
                out.add(BACK);
                out.add(PREV);
                item.options().values().forEach(out::addAll);
                out.add(DESCRIPTION);
                out.add(BUY);
            }
            case DESCRIPTION -> {
                out.add(BACK);
                out.add(PREV);
            }
        }
        return out;
    }

    @Override
    public synchronized List<String> admissibleActions() {
        if (done) return List.of();
        if (page == Page.SEARCH) return List.of("search[" + task.instruction() + "]");
        return clickables().stream().map(c -> "click[" + c + "]").toList();
    }

    private String render() {
        var sb = new StringBuilder();
        switch (page) {
            case SEARCH -> sb.append("[Search] Write search[query] to search ").append(catalogue.products().size()).append(" products.");
            case RESULTS -> {
                sb.append('[').append(BACK).append("]\n");
                if (results.isEmpty()) return sb.append("No results for \"").append(abbreviate(query)).append("\". Try other words.").toString();
                int from = resultsPage * PAGE_SIZE;
                sb.append(String.format(Locale.ROOT, "Page %d (results %d-%d of %d) for \"%s\"", resultsPage + 1, from + 1,
                        from + pageResults().size(), results.size(), abbreviate(query)));
                if (resultsPage > 0) sb.append(" [").append(PREV).append(']');
                if ((resultsPage + 1) * PAGE_SIZE < results.size()) sb.append(" [").append(NEXT).append(']');
                for (int i : pageResults()) {
                    var p = catalogue.products().get(i);
                    sb.append(String.format(Locale.ROOT, "\n[%s] %s | $%.2f", p.id(), p.title(), p.price()));
                }
            }
            case ITEM -> {
                sb.append('[').append(BACK).append("] [").append(PREV).append("]\n").append(item.title()).append('\n');
                sb.append(String.format(Locale.ROOT, "Price: $%.2f | Rating: %.1f", item.price(), item.rating()));
                item.options().forEach((dim, values) -> {
                    sb.append('\n').append(dim).append(':');
                    for (var v : values) sb.append(" [").append(v).append(']');
                });
                if (!selected.isEmpty()) sb.append("\nSelected:").append(describeSelection().replaceFirst("^ with", ""));
                sb.append("\n[").append(DESCRIPTION).append("] [").append(BUY).append(']');
            }
            case DESCRIPTION -> sb.append('[').append(BACK).append("] [").append(PREV).append("]\n").append(item.description());
        }
        return sb.toString();
    }

    private String describeSelection() {
        if (selected.isEmpty()) return "";
        return " with " + String.join(", ", selected.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList());
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    @Override
    public synchronized Reward reward() {
        if (bought == null) return new Reward(0, "nothing was bought" + (actions >= MAX_ACTIONS ? " within " + MAX_ACTIONS + " actions" : ""));
        return ShopReward.score(task, bought, boughtOptions);
    }

    /** Search the target's title, page to it, click it, pick the wanted options, buy. */
    @Override
    public List<JsonNode> goldActions() {
        var target = catalogue.byId(task.targetId());
        var ranked = search.search(target.title(), MAX_RESULTS);
        int rank = ranked.indexOf(catalogue.indexOf(target.id()));
        if (rank < 0) throw new IllegalStateException("the target " + target.id() + " is not in the top " + MAX_RESULTS + " for its own title");
        var actions = new ArrayList<String>();
        actions.add("search[" + target.title() + "]");
        for (int i = 0; i < rank / PAGE_SIZE; i++) actions.add("click[" + NEXT + "]");
        actions.add("click[" + target.id() + "]");
        task.options().values().forEach(v -> actions.add("click[" + v + "]"));
        actions.add("buy");
        return actions.stream().map(a -> (JsonNode) Json.object().put("name", "act").set("kwargs", Json.object().put("action", a))).toList();
    }
}
