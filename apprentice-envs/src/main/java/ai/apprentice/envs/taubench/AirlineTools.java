package ai.apprentice.envs.taubench;

import static ai.apprentice.envs.taubench.RetailTools.str;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The 14 tools of tau-bench's airline domain, re-implemented from the reference's behaviour: the same checks
 * in the same order, deterministic ids (reservations HATHAT, HATHAU, HATHAV; certificates from
 * certificate_3221322), a fixed creation time, and arguments copied before they are stored.
 */
final class AirlineTools {
    static final Map<String, RetailTools.Impl> TOOLS = new LinkedHashMap<>();
    private static final String[][] AIRPORTS = {
            {"SFO", "San Francisco"}, {"JFK", "New York"}, {"LAX", "Los Angeles"}, {"ORD", "Chicago"}, {"DFW", "Dallas"},
            {"DEN", "Denver"}, {"SEA", "Seattle"}, {"ATL", "Atlanta"}, {"MIA", "Miami"}, {"BOS", "Boston"},
            {"PHX", "Phoenix"}, {"IAH", "Houston"}, {"LAS", "Las Vegas"}, {"MCO", "Orlando"}, {"EWR", "Newark"},
            {"CLT", "Charlotte"}, {"MSP", "Minneapolis"}, {"DTW", "Detroit"}, {"PHL", "Philadelphia"}, {"LGA", "LaGuardia"}};

    static {
        TOOLS.put("book_reservation", AirlineTools::bookReservation);
        TOOLS.put("calculate", (db, a) -> Calculator.evaluate(str(a, "expression")));
        TOOLS.put("cancel_reservation", (db, a) -> {
            var r = reservation(db, str(a, "reservation_id"));
            var history = r.withArray("payment_history");
            var refunds = Json.MAPPER.createArrayNode();
            for (var p : history) {
                var refund = Json.object().put("payment_id", p.path("payment_id").asText());
                refund.set("amount", Py.neg(p.get("amount")));
                refunds.add(refund);
            }
            history.addAll(refunds);
            r.put("status", "cancelled");
            return Json.write(r);
        });
        TOOLS.put("get_reservation_details", (db, a) -> {
            var r = db.path("reservations").get(str(a, "reservation_id"));
            if (r == null) throw new ToolError("user not found"); // sic: the reference says user
            return Json.write(r);
        });
        TOOLS.put("get_user_details", (db, a) -> Json.write(user(db, str(a, "user_id"))));
        TOOLS.put("list_all_airports", (db, a) -> {
            var m = new LinkedHashMap<String, String>();
            for (var p : AIRPORTS) m.put(p[0], p[1]);
            return Json.write(m);
        });
        TOOLS.put("search_direct_flight", (db, a) -> {
            String origin = str(a, "origin"), destination = str(a, "destination"), date = str(a, "date");
            var results = Json.MAPPER.createArrayNode();
            for (var f : db.path("flights")) {
                if (f.path("origin").asText().equals(origin) && f.path("destination").asText().equals(destination)
                        && f.path("dates").has(date) && f.path("dates").path(date).path("status").asText().equals("available")) {
                    var row = withoutDates(f);
                    row.setAll((ObjectNode) f.path("dates").path(date));
                    results.add(row);
                }
            }
            return Json.write(results);
        });
        TOOLS.put("search_onestop_flight", AirlineTools::searchOnestop);
        TOOLS.put("send_certificate", (db, a) -> {
            var user = user(db, str(a, "user_id"));
            var amount = a.get("amount");
            if (amount == null) throw new ToolError("missing argument 'amount'");
            var methods = (ObjectNode) user.get("payment_methods");
            for (var id : List.of(3221322, 3221323, 3221324)) {
                String pid = "certificate_" + id;
                if (!methods.has(pid)) {
                    var cert = Json.object().put("source", "certificate");
                    cert.set("amount", amount.deepCopy());
                    cert.put("id", pid);
                    methods.set(pid, cert);
                    return "Certificate " + pid + " added to user " + str(a, "user_id") + " with amount " + PyRepr.repr(amount) + ".";
                }
            }
            return "None";
        });
        TOOLS.put("think", (db, a) -> {
            str(a, "thought");
            return "";
        });
        TOOLS.put("transfer_to_human_agents", (db, a) -> {
            str(a, "summary");
            return "Transfer successful";
        });
        TOOLS.put("update_reservation_baggages", (db, a) -> {
            var r = reservation(db, str(a, "reservation_id"));
            var nonfree = a.get("nonfree_baggages");
            var price = LongNode.valueOf(50 * Math.max(0, nonfree.longValue() - r.path("nonfree_baggages").longValue()));
            var method = paymentMethod(db, r, str(a, "payment_id"));
            checkUpdatePayment(method, price);
            r.set("total_baggages", a.get("total_baggages").deepCopy());
            r.set("nonfree_baggages", nonfree.deepCopy());
            if (method.path("source").asText().equals("gift_card")) method.set("amount", Py.sub(method.get("amount"), price));
            if (price.longValue() != 0) {
                r.withArray("payment_history").add(Json.object().put("payment_id", str(a, "payment_id")).set("amount", price));
            }
            return Json.write(r);
        });
        TOOLS.put("update_reservation_flights", AirlineTools::updateReservationFlights);
        TOOLS.put("update_reservation_passengers", (db, a) -> {
            var r = reservation(db, str(a, "reservation_id"));
            var passengers = a.get("passengers");
            if (passengers == null || !passengers.isArray()) throw new ToolError("missing argument 'passengers'");
            if (passengers.size() != r.withArray("passengers").size()) throw new ToolError("number of passengers does not match");
            r.set("passengers", passengers.deepCopy());
            return Json.write(r);
        });
    }

    private AirlineTools() {}

    private static String bookReservation(ObjectNode db, JsonNode a) {
        var users = (ObjectNode) db.get("users");
        var reservations = (ObjectNode) db.get("reservations");
        String userId = str(a, "user_id");
        if (!users.has(userId)) throw new ToolError("user not found");
        var user = (ObjectNode) users.get(userId);
        String id = !reservations.has("HATHAT") ? "HATHAT" : !reservations.has("HATHAU") ? "HATHAU" : "HATHAV";
        String cabin = str(a, "cabin");
        var passengers = a.get("passengers");
        var payments = a.get("payment_methods");
        var flights = a.get("flights").deepCopy();
        int n = passengers.size();
        JsonNode total = Py.ZERO;
        for (var flight : flights) {
            var f = (ObjectNode) flight;
            String number = f.path("flight_number").asText();
            var data = db.path("flights").get(number);
            if (data == null) throw new ToolError("flight " + number + " not found");
            String date = f.path("date").asText();
            var day = data.path("dates").get(date);
            if (day == null) throw new ToolError("flight " + number + " not found on date " + date);
            if (!day.path("status").asText().equals("available")) throw new ToolError("flight " + number + " not available on date " + date);
            if (Py.compare(day.path("available_seats").get(cabin), LongNode.valueOf(n)) < 0) {
                throw new ToolError("not enough seats on flight " + number);
            }
            f.set("price", day.path("prices").get(cabin));
            f.set("origin", data.get("origin"));
            f.set("destination", data.get("destination"));
            total = Py.add(total, Py.mul(f.get("price"), n));
        }
        if (str(a, "insurance").equals("yes")) total = Py.add(total, LongNode.valueOf(30L * n));
        total = Py.add(total, Py.mul(a.get("nonfree_baggages"), 50));
        JsonNode paid = Py.ZERO;
        for (var p : payments) {
            String pid = p.path("payment_id").asText();
            var method = user.path("payment_methods").get(pid);
            if (method == null) throw new ToolError("payment method " + pid + " not found");
            String source = method.path("source").asText();
            if ((source.equals("gift_card") || source.equals("certificate")) && Py.compare(method.get("amount"), p.get("amount")) < 0) {
                throw new ToolError("not enough balance in payment method " + pid);
            }
        }
        for (var p : payments) paid = Py.add(paid, p.get("amount"));
        if (Py.compare(paid, total) != 0) {
            throw new ToolError("payment amount does not add up, total price is " + PyRepr.repr(total) + ", but paid " + PyRepr.repr(paid));
        }
        for (var p : payments) {
            String pid = p.path("payment_id").asText();
            var method = (ObjectNode) user.path("payment_methods").get(pid);
            if (method == null) continue; // a certificate named twice was already used up
            switch (method.path("source").asText()) {
                case "gift_card" -> method.set("amount", Py.sub(method.get("amount"), p.get("amount")));
                case "certificate" -> ((ObjectNode) user.get("payment_methods")).remove(pid);
                default -> { }
            }
        }
        var r = Json.object().put("reservation_id", id).put("user_id", userId).put("origin", str(a, "origin"))
                .put("destination", str(a, "destination")).put("flight_type", str(a, "flight_type")).put("cabin", cabin);
        r.set("flights", flights);
        r.set("passengers", passengers.deepCopy());
        r.set("payment_history", payments.deepCopy());
        r.put("created_at", "2024-05-15T15:00:00");
        r.set("total_baggages", a.get("total_baggages").deepCopy());
        r.set("nonfree_baggages", a.get("nonfree_baggages").deepCopy());
        r.put("insurance", str(a, "insurance"));
        reservations.set(id, r);
        user.withArray("reservations").add(id);
        return Json.write(r);
    }

    private static String updateReservationFlights(ObjectNode db, JsonNode a) {
        var r = reservation(db, str(a, "reservation_id"));
        String cabin = str(a, "cabin");
        var flights = (ArrayNode) a.get("flights").deepCopy();
        int n = r.withArray("passengers").size();
        JsonNode total = Py.ZERO;
        for (var flight : flights) {
            var f = (ObjectNode) flight;
            JsonNode existing = null;
            for (var old : r.withArray("flights")) {
                if (old.path("flight_number").asText().equals(f.path("flight_number").asText())
                        && old.path("date").asText().equals(f.path("date").asText()) && cabin.equals(r.path("cabin").asText())) {
                    existing = old;
                    break;
                }
            }
            if (existing != null) {
                total = Py.add(total, Py.mul(existing.get("price"), n));
                f.set("price", existing.get("price"));
                f.set("origin", existing.get("origin"));
                f.set("destination", existing.get("destination"));
                continue;
            }
            String number = f.path("flight_number").asText();
            var data = db.path("flights").get(number);
            if (data == null) throw new ToolError("flight " + number + " not found");
            String date = f.path("date").asText();
            var day = data.path("dates").get(date);
            if (day == null) throw new ToolError("flight " + number + " not found on date " + date);
            if (!day.path("status").asText().equals("available")) throw new ToolError("flight " + number + " not available on date " + date);
            if (Py.compare(day.path("available_seats").get(cabin), LongNode.valueOf(n)) < 0) {
                throw new ToolError("not enough seats on flight " + number);
            }
            f.set("price", day.path("prices").get(cabin));
            f.set("origin", data.get("origin"));
            f.set("destination", data.get("destination"));
            total = Py.add(total, Py.mul(f.get("price"), n));
        }
        JsonNode old = Py.ZERO;
        for (var f : r.withArray("flights")) old = Py.add(old, f.get("price"));
        total = Py.sub(total, Py.mul(old, n));
        String pid = str(a, "payment_id");
        var method = paymentMethod(db, r, pid);
        checkUpdatePayment(method, total);
        if (method.path("source").asText().equals("gift_card")) method.set("amount", Py.sub(method.get("amount"), total));
        r.set("flights", flights);
        if (Py.compare(total, Py.ZERO) != 0) {
            r.withArray("payment_history").add(Json.object().put("payment_id", pid).set("amount", total));
        }
        return Json.write(r);
    }

    private static String searchOnestop(ObjectNode db, JsonNode a) {
        String origin = str(a, "origin"), destination = str(a, "destination"), date = str(a, "date");
        var results = Json.MAPPER.createArrayNode();
        for (var f1 : db.path("flights")) {
            if (!f1.path("origin").asText().equals(origin)) continue;
            for (var f2 : db.path("flights")) {
                if (!f2.path("destination").asText().equals(destination) || !f1.path("destination").asText().equals(f2.path("origin").asText())) {
                    continue;
                }
                String date2 = f1.path("scheduled_arrival_time_est").asText().contains("+1")
                        ? "2024-05-" + (Integer.parseInt(date.substring(date.length() - 2)) + 1) : date;
                if (f1.path("scheduled_arrival_time_est").asText().compareTo(f2.path("scheduled_departure_time_est").asText()) > 0) continue;
                if (f1.path("dates").has(date) && f2.path("dates").has(date2)
                        && f1.path("dates").path(date).path("status").asText().equals("available")
                        && f2.path("dates").path(date2).path("status").asText().equals("available")) {
                    var r1 = withoutDates(f1);
                    r1.setAll((ObjectNode) f1.path("dates").path(date));
                    r1.put("date", date);
                    var r2 = withoutDates(f2);
                    var day2 = f2.path("dates").get(date); // sic: the reference reads the first day's entry here
                    if (day2 == null) throw new ToolError("'" + date + "'");
                    r2.setAll((ObjectNode) day2);
                    r2.put("date", date2);
                    results.add(Json.MAPPER.createArrayNode().add(r1).add(r2));
                }
            }
        }
        return Json.write(results);
    }

    private static void checkUpdatePayment(ObjectNode method, JsonNode price) {
        if (method.path("source").asText().equals("certificate")) throw new ToolError("certificate cannot be used to update reservation");
        if (method.path("source").asText().equals("gift_card") && Py.compare(method.get("amount"), price) < 0) {
            throw new ToolError("gift card balance is not enough");
        }
    }

    private static ObjectNode withoutDates(JsonNode flight) {
        var o = ((ObjectNode) flight).deepCopy();
        o.remove("dates");
        return o;
    }

    private static ObjectNode reservation(ObjectNode db, String id) {
        var r = db.path("reservations").get(id);
        if (!(r instanceof ObjectNode o)) throw new ToolError("reservation not found");
        return o;
    }

    private static ObjectNode user(ObjectNode db, String id) {
        var u = db.path("users").get(id);
        if (!(u instanceof ObjectNode o)) throw new ToolError("user not found");
        return o;
    }

    private static ObjectNode paymentMethod(ObjectNode db, ObjectNode reservation, String id) {
        var m = db.path("users").path(reservation.path("user_id").asText()).path("payment_methods").get(id);
        if (!(m instanceof ObjectNode o)) throw new ToolError("payment method not found");
        return o;
    }
}
