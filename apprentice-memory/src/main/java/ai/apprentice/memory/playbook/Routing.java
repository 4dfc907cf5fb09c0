package ai.apprentice.memory.playbook;

import ai.apprentice.json.Json;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Which model runs the agents of a scope, as learning chose it from reward and cost (a cheaper model where it does as
 * well). Only an environment's agents are routed ({@code environment:NAME}); the models come from a list a person
 * gave to {@code learn route}, never from text the agent read. Immutable; its JSON is what the learned store versions.
 */
public record Routing(Map<String, String> routes) {
    public static final String ARTIFACT = "routing";

    public Routing {
        routes = Map.copyOf(new TreeMap<>(routes));
        routes.keySet().forEach(Scopes::check);
    }

    public static Routing empty() {
        return new Routing(Map.of());
    }

    public Optional<String> model(String scope) {
        return Optional.ofNullable(routes.get(scope));
    }

    public Routing with(String scope, String model) {
        var m = new TreeMap<>(routes);
        m.put(scope, model);
        return new Routing(m);
    }

    public String json() {
        var o = Json.object();
        o.set("routes", Json.MAPPER.valueToTree(new TreeMap<>(routes)));
        return o.toPrettyString() + "\n";
    }

    public static Routing fromJson(String json) {
        var node = Json.tree(json);
        var m = new TreeMap<String, String>();
        node.path("routes").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return new Routing(m);
    }
}
