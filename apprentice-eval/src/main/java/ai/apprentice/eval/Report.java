package ai.apprentice.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        sb.append(String.format(Locale.ROOT, "<p>%d tasks, %d trials, mean reward %.3f, cost $%.4f, %d input + %d output tokens</p>",
                s.path("tasks").asInt(), s.path("trials").asInt(), s.path("mean_reward").asDouble(), s.path("cost_usd").asDouble(),
                s.path("input_tokens").asLong(), s.path("output_tokens").asLong()));
        if (s.hasNonNull("user_simulator")) sb.append("<p>Simulated user: ").append(esc(s.path("user_simulator").asText())).append("</p>");
        sb.append("<h2>Reliability: pass^k and pass@k over k</h2>").append(curve(s));
        sb.append("<h2>Cost against success, per task</h2>").append(scatter(trials));
        sb.append("<h2>Trials</h2><table><tr><th>task</th><th>trial</th><th>reward</th><th>why</th><th>actions</th><th>cost</th><th>transcript</th></tr>");
        for (var t : trials.stream().sorted(java.util.Comparator.comparing(TrialResult::taskId).thenComparingInt(TrialResult::trial)).toList()) {
            sb.append("<tr><td>").append(esc(t.taskId())).append("</td><td>").append(t.trial()).append("</td><td class=\"")
                    .append(t.success() ? "ok" : "no").append("\">").append(t.reward()).append("</td><td>").append(esc(t.explanation()))
                    .append("</td><td>").append(t.actions()).append("</td><td>").append(String.format(Locale.ROOT, "$%.4f", t.costUsd()))
                    .append("</td><td>").append(t.runId() == null ? "" : "<code>apprentice runs export " + esc(t.runId()) + "</code>")
                    .append("</td></tr>");
        }
        return sb.append("</table></body></html>\n").toString();
    }

    private static String curve(ObjectNode s) {
        var hat = s.path("pass_hat_k");
        var at = s.path("pass_at_k");
        int n = hat.size();
        int w = 480, h = 240, pad = 40;
        var sb = new StringBuilder("<svg width=\"" + w + "\" height=\"" + h + "\" role=\"img\" aria-label=\"pass^k curve\">");
        sb.append(axes(w, h, pad, "k", "rate"));
        for (var series : List.of(new Object[] {hat, "#1f6feb", "pass^k"}, new Object[] {at, "#999", "pass@k"})) {
            var node = (com.fasterxml.jackson.databind.JsonNode) series[0];
            var pts = new StringBuilder();
            for (int k = 1; k <= n; k++) {
                double x = pad + (n == 1 ? (w - 2 * pad) / 2.0 : (k - 1) * (w - 2.0 * pad) / (n - 1));
                double y = h - pad - node.path(String.valueOf(k)).asDouble() * (h - 2.0 * pad);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>", x, y, series[1]));
            }
            sb.append("<polyline fill=\"none\" stroke=\"").append(series[1]).append("\" points=\"").append(pts).append("\"/>");
        }
        return sb.append("<text x=\"").append(w - 120).append("\" y=\"20\" fill=\"#1f6feb\">pass^k</text><text x=\"").append(w - 60)
                .append("\" y=\"20\" fill=\"#999\">pass@k</text></svg>").toString();
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
        for (var e : byTask.entrySet()) {
            double cost = e.getValue()[0] / e.getValue()[2];
            double x = pad + (maxCost == 0 ? 0 : cost / maxCost) * (w - 2.0 * pad);
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
