package ai.apprentice.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A self-contained HTML report (inline SVG charts, no scripts, opens offline): the pass^k and pass@k
 * curves over k, cost against success per task, and every trial's outcome with its explanation and run id
 * (the transcript is {@code apprentice runs export RUN_ID}). The summary JSON and a CSV of trials are
 * written beside it.
 */
public final class Report {
    private Report() {}

    public static void write(Path html, ObjectNode summary, List<TrialResult> trials) throws IOException {
        var base = html.toString().replaceAll("\\.html?$", "");
        Files.writeString(Path.of(base + ".json"), summary.toPrettyString());
        var csv = new StringBuilder("task_id,trial,reward,actions,input_tokens,output_tokens,cost_usd,wall_ms,run_id,explanation\n");
        for (var t : trials) {
            csv.append(t.taskId()).append(',').append(t.trial()).append(',').append(t.reward()).append(',').append(t.actions()).append(',')
                    .append(t.inputTokens()).append(',').append(t.outputTokens()).append(',').append(t.costUsd()).append(',')
                    .append(t.wallMs()).append(',').append(t.runId() == null ? "" : t.runId()).append(",\"")
                    .append(t.explanation() == null ? "" : t.explanation().replace("\"", "\"\"")).append("\"\n");
        }
        Files.writeString(Path.of(base + ".csv"), csv);
        Files.writeString(html, html(summary, trials));
    }

    /** The report as one self-contained HTML page (inline styles and SVG, no scripts). */
    public static String html(ObjectNode s, List<TrialResult> trials) {
        var sb = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>apprentice eval ")
                .append(esc(s.path("env").asText())).append("</title><style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1000px}"
                        + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}.ok{color:#070}.no{color:#a00}"
                        + "svg{background:#fafafa;border:1px solid #ddd}</style></head><body>");
        sb.append("<h1>").append(esc(s.path("env").asText())).append(" / ").append(esc(s.path("split").asText())).append("</h1>");
        // Which evaluation this is: its id (for 'eval resume' and 'eval compare'), who was evaluated, and when.
        var who = new ArrayList<String>();
        if (s.hasNonNull("id")) who.add("<code>" + esc(s.path("id").asText()) + "</code>");
        if (s.hasNonNull("agent")) who.add("agent: " + esc(s.path("agent").asText()));
        if (s.hasNonNull("finished_at")) who.add(esc(s.path("finished_at").asText().replace('T', ' ').replaceAll("\\.\\d+Z$", "Z")));
        if (!who.isEmpty()) sb.append("<p>").append(String.join(" · ", who)).append("</p>");
        sb.append(String.format(Locale.ROOT, "<p>%d tasks, %d trials, mean reward %.3f, cost $%.4f, %d input + %d output tokens</p>",
                s.path("tasks").asInt(), s.path("trials").asInt(), s.path("mean_reward").asDouble(), s.path("cost_usd").asDouble(),
                s.path("input_tokens").asLong(), s.path("output_tokens").asLong()));
        if (s.hasNonNull("user_simulator")) sb.append("<p>Simulated user: ").append(esc(s.path("user_simulator").asText())).append("</p>");
        sb.append("<h2>Reliability: pass^k and pass@k over k</h2>").append(curve(s)).append(table(s));
        sb.append("<h2>Cost against success, per task</h2>").append(scatter(trials));
        sb.append("<h2>Trials</h2><table><tr><th>task</th><th>trial</th><th>reward</th><th>why</th><th>actions</th><th>cost</th><th>transcript</th></tr>");
        for (var t : trials.stream().sorted(java.util.Comparator.comparing(TrialResult::taskId).thenComparingInt(TrialResult::trial)).toList()) {
            sb.append("<tr><td>").append(esc(t.taskId())).append("</td><td>").append(t.trial()).append("</td><td class=\"")
                    .append(t.success() ? "ok" : "no").append("\">").append(t.reward()).append("</td><td>").append(esc(t.explanation()))
                    .append("</td><td>").append(t.actions()).append("</td><td>").append(String.format(Locale.ROOT, "$%.4f", t.costUsd()))
                    .append("</td><td>").append(t.runId() == null ? "none: no model ran (a reference policy)"
                            : "<code>apprentice runs export " + esc(t.runId()) + " --format md</code>")
                    .append("</td></tr>");
        }
        return sb.append("</table></body></html>\n").toString();
    }

    /** pass^k and pass@k for k = 1..n with their 95% intervals as bands; pass@k dashed with squares, so that neither hides the other. */
    private static String curve(ObjectNode s) {
        var hat = s.path("pass_hat_k");
        int n = hat.size();
        int w = 480, h = 240, pad = 40;
        var sb = new StringBuilder("<svg width=\"" + w + "\" height=\"" + h + "\" role=\"img\" aria-label=\"pass^k curve\">");
        sb.append(axes(w, h, pad, "k", "rate"));
        java.util.function.IntToDoubleFunction xOf = k -> pad + (n == 1 ? (w - 2 * pad) / 2.0 : (k - 1) * (w - 2.0 * pad) / (n - 1));
        java.util.function.DoubleUnaryOperator yOf = v -> h - pad - v * (h - 2.0 * pad);
        for (int k = 1; k <= n; k++) { // a tick and its number for every k
            double x = xOf.applyAsDouble(k);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>",
                    x, h - pad, x, h - pad + 5, x, h - pad + 18, k));
        }
        for (var series : List.of(new String[] {"pass_at_k", "#888", "6 4", "square"}, new String[] {"pass_hat_k", "#1f6feb", "", "circle"})) {
            var values = s.path(series[0]);
            var ci = s.path(series[0] + "_ci95");
            var band = new StringBuilder();
            for (int k = 1; k <= n; k++) band.append(String.format(Locale.ROOT, "%.1f,%.1f ", xOf.applyAsDouble(k), yOf.applyAsDouble(ci.path(String.valueOf(k)).path(1).asDouble(values.path(String.valueOf(k)).asDouble()))));
            for (int k = n; k >= 1; k--) band.append(String.format(Locale.ROOT, "%.1f,%.1f ", xOf.applyAsDouble(k), yOf.applyAsDouble(ci.path(String.valueOf(k)).path(0).asDouble(values.path(String.valueOf(k)).asDouble()))));
            sb.append("<polygon fill=\"").append(series[1]).append("\" fill-opacity=\"0.15\" stroke=\"none\" points=\"").append(band).append("\"/>");
            var pts = new StringBuilder();
            for (int k = 1; k <= n; k++) {
                double x = xOf.applyAsDouble(k), y = yOf.applyAsDouble(values.path(String.valueOf(k)).asDouble());
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                sb.append(series[3].equals("circle")
                        ? String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>", x, y, series[1])
                        : String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"none\" stroke=\"%s\"/>", x - 4, y - 4, series[1]));
            }
            sb.append("<polyline fill=\"none\" stroke=\"").append(series[1]).append("\"")
                    .append(series[2].isEmpty() ? "" : " stroke-dasharray=\"" + series[2] + "\"").append(" points=\"").append(pts).append("\"/>");
        }
        return sb.append("<text x=\"").append(w - 170).append("\" y=\"20\" fill=\"#1f6feb\">● pass^k</text><text x=\"").append(w - 90)
                .append("\" y=\"20\" fill=\"#888\">□ pass@k</text></svg>").toString();
    }

    /** The same numbers as a table, each with its 95% bootstrap interval over tasks. */
    private static String table(ObjectNode s) {
        var sb = new StringBuilder("<table><tr><th>k</th><th>pass^k</th><th>95% CI</th><th>pass@k</th><th>95% CI</th></tr>");
        var names = new ArrayList<String>();
        s.path("pass_hat_k").fieldNames().forEachRemaining(names::add);
        for (var k : names) {
            sb.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.3f</td><td>[%.3f, %.3f]</td><td>%.3f</td><td>[%.3f, %.3f]</td></tr>", esc(k),
                    s.path("pass_hat_k").path(k).asDouble(), s.path("pass_hat_k_ci95").path(k).path(0).asDouble(), s.path("pass_hat_k_ci95").path(k).path(1).asDouble(),
                    s.path("pass_at_k").path(k).asDouble(), s.path("pass_at_k_ci95").path(k).path(0).asDouble(), s.path("pass_at_k_ci95").path(k).path(1).asDouble()));
        }
        return sb.append("</table>").toString();
    }

    private static String scatter(List<TrialResult> trials) {
        var byTask = new java.util.TreeMap<String, double[]>();
        for (var t : trials) {
            var v = byTask.computeIfAbsent(t.taskId(), k -> new double[3]);
            v[0] += t.costUsd();
            v[1] += t.success() ? 1 : 0;
            v[2]++;
        }
        double maxCost = byTask.values().stream().mapToDouble(v -> v[0] / v[2]).max().orElse(0);
        int w = 480, h = 240, pad = 40;
        var sb = new StringBuilder("<svg width=\"" + w + "\" height=\"" + h + "\" role=\"img\" aria-label=\"cost against success\">");
        sb.append(axes(w, h, pad, "cost per trial (USD)", "success rate"));
        // Nothing cost anything (a reference policy, a local model): the points are spread by task so they stay apart, and said so.
        if (maxCost == 0) sb.append("<text x=\"").append(pad + 8).append("\" y=\"").append(pad - 4)
                .append("\" fill=\"#666\">every trial cost $0: tasks spread along x in order, not by cost</text>");
        int index = 0;
        for (var e : byTask.entrySet()) {
            double cost = e.getValue()[0] / e.getValue()[2];
            double x = pad + (maxCost == 0 ? (byTask.size() == 1 ? 0.5 : (double) index / (byTask.size() - 1)) : cost / maxCost) * (w - 2.0 * pad);
            index++;
            double y = h - pad - e.getValue()[1] / e.getValue()[2] * (h - 2.0 * pad);
            sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#d29922\"><title>%s</title></circle>", x, y, esc(e.getKey())));
        }
        return sb.append("</svg>").toString();
    }

    private static String axes(int w, int h, int pad, String x, String y) {
        return String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
                        + "<text x=\"%d\" y=\"%d\">%s</text><text x=\"4\" y=\"%d\">%s</text><text x=\"%d\" y=\"%d\">1</text><text x=\"%d\" y=\"%d\">0</text>",
                pad, h - pad, w - pad, h - pad, pad, pad, pad, h - pad, w / 2 - 20, h - 8, x, pad - 10, y, pad - 14, pad + 4, pad - 14, h - pad);
    }

    /** Text for HTML element content and double-quoted attributes. */
    public static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
