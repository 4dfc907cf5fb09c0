package ai.apprentice.envs.taubench;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The 16 tools of tau-bench's retail domain, re-implemented from the reference's behaviour (same checks in
 * the same order, same error messages, same number semantics). Every tool validates before it changes
 * anything, so a refused call leaves the database as it was.
 */
final class RetailTools {
    public interface Impl {
        String call(ObjectNode db, JsonNode args);
    }

    static final Map<String, Impl> TOOLS = new LinkedHashMap<>();

    static {
        TOOLS.put("calculate", (db, a) -> Calculator.evaluate(str(a, "expression")));
        TOOLS.put("cancel_pending_order", RetailTools::cancelPendingOrder);
        TOOLS.put("exchange_delivered_order_items", RetailTools::exchangeDeliveredOrderItems);
        TOOLS.put("find_user_id_by_email", (db, a) -> {
            String email = str(a, "email");
            for (var e : iterable(db.get("users"))) {
                if (e.getValue().path("email").asText().equalsIgnoreCase(email)) return e.getKey();
            }
            throw new ToolError("user not found");
        });
        TOOLS.put("find_user_id_by_name_zip", (db, a) -> {
            String first = str(a, "first_name");
            String last = str(a, "last_name");
            String zip = str(a, "zip");
            for (var e : iterable(db.get("users"))) {
                var p = e.getValue();
                if (p.path("name").path("first_name").asText().equalsIgnoreCase(first)
                        && p.path("name").path("last_name").asText().equalsIgnoreCase(last)
                        && p.path("address").path("zip").asText().equals(zip)) {
                    return e.getKey();
                }
            }
            throw new ToolError("user not found");
        });
        TOOLS.put("get_order_details", (db, a) -> Json.write(find(db, "orders", str(a, "order_id"), "order not found")));
        TOOLS.put("get_product_details", (db, a) -> Json.write(find(db, "products", str(a, "product_id"), "product not found")));
        TOOLS.put("get_user_details", (db, a) -> Json.write(find(db, "users", str(a, "user_id"), "user not found")));
        TOOLS.put("list_all_product_types", (db, a) -> {
            var byName = new TreeMap<String, String>();
            for (var e : iterable(db.get("products"))) byName.put(e.getValue().path("name").asText(), e.getValue().path("product_id").asText());
            return Json.write(byName);
        });
        TOOLS.put("modify_pending_order_address", (db, a) -> {
            var order = pendingOrder(db, str(a, "order_id"), "non-pending order cannot be modified");
            order.set("address", address(a));
            return Json.write(order);
        });
        TOOLS.put("modify_pending_order_items", RetailTools::modifyPendingOrderItems);
        TOOLS.put("modify_pending_order_payment", RetailTools::modifyPendingOrderPayment);
        TOOLS.put("modify_user_address", (db, a) -> {
            var user = find(db, "users", str(a, "user_id"), "user not found");
            user.set("address", address(a));
            return Json.write(user);
        });
        TOOLS.put("return_delivered_order_items", RetailTools::returnDeliveredOrderItems);
        TOOLS.put("think", (db, a) -> {
            str(a, "thought");
            return "";
        });
        TOOLS.put("transfer_to_human_agents", (db, a) -> {
            str(a, "summary");
            return "Transfer successful";
        });
    }

    private RetailTools() {}

    private static String cancelPendingOrder(ObjectNode db, JsonNode a) {
        var order = pendingOrder(db, str(a, "order_id"), "non-pending order cannot be cancelled");
        String reason = str(a, "reason");
        if (!reason.equals("no longer needed") && !reason.equals("ordered by mistake")) throw new ToolError("invalid reason");
        var refunds = new ArrayList<ObjectNode>();
        var methods = db.path("users").path(order.path("user_id").asText()).path("payment_methods");
        for (var payment : order.withArray("payment_history")) {
            String id = payment.path("payment_method_id").asText();
            refunds.add(Json.object().put("transaction_type", "refund").set("amount", payment.get("amount")));
            refunds.getLast().put("payment_method_id", id);
            if (id.contains("gift_card")) {
                var method = (ObjectNode) methods.get(id);
                if (method == null) throw new ToolError("'" + id + "'");
                method.set("balance", Py.round2(Py.add(method.get("balance"), payment.get("amount"))));
            }
        }
        order.put("status", "cancelled");
        order.put("cancel_reason", reason);
        refunds.forEach(order.withArray("payment_history")::add);
        return Json.write(order);
    }

    /** The checks shared by exchanges and item modifications; returns the summed price difference. */
    private static JsonNode priceDifference(ObjectNode db, ObjectNode order, List<String> itemIds, List<String> newItemIds) {
        var all = new ArrayList<String>();
        order.withArray("items").forEach(i -> all.add(i.path("item_id").asText()));
        for (var id : itemIds) {
            if (Collections.frequency(itemIds, id) > Collections.frequency(all, id)) throw new ToolError(id + " not found");
        }
        if (itemIds.size() != newItemIds.size()) throw new ToolError("the number of items to be exchanged should match");
        JsonNode diff = Py.ZERO;
        for (int i = 0; i < itemIds.size(); i++) {
            var item = item(order, itemIds.get(i));
            var variants = db.path("products").path(item.path("product_id").asText()).path("variants");
            var variant = variants.get(newItemIds.get(i));
            if (variant == null || !variant.path("available").asBoolean(false)) {
                throw new ToolError("new item " + newItemIds.get(i) + " not found or available");
            }
            diff = Py.add(diff, Py.sub(variant.get("price"), item.get("price")));
        }
        return diff;
    }

    private static String exchangeDeliveredOrderItems(ObjectNode db, JsonNode a) {
        var order = order(db, str(a, "order_id"));
        if (!order.path("status").asText().equals("delivered")) throw new ToolError("non-delivered order cannot be exchanged");
        var itemIds = strings(a, "item_ids");
        var newItemIds = strings(a, "new_item_ids");
        var diff = Py.round2(priceDifference(db, order, itemIds, newItemIds));
        String pm = str(a, "payment_method_id");
        var method = paymentMethod(db, order, pm);
        if (method.path("source").asText().equals("gift_card") && Py.compare(method.get("balance"), diff) < 0) {
            throw new ToolError("insufficient gift card balance to pay for the price difference");
        }
        order.put("status", "exchange requested");
        order.set("exchange_items", sortedArray(itemIds));
        order.set("exchange_new_items", sortedArray(newItemIds));
        order.put("exchange_payment_method_id", pm);
        order.set("exchange_price_difference", diff);
        return Json.write(order);
    }

    private static String modifyPendingOrderItems(ObjectNode db, JsonNode a) {
        var order = pendingOrder(db, str(a, "order_id"), "non-pending order cannot be modified");
        var itemIds = strings(a, "item_ids");
        var newItemIds = strings(a, "new_item_ids");
        var diff = priceDifference(db, order, itemIds, newItemIds);
        String pm = str(a, "payment_method_id");
        var method = paymentMethod(db, order, pm);
        if (method.path("source").asText().equals("gift_card") && Py.compare(method.get("balance"), diff) < 0) {
            throw new ToolError("insufficient gift card balance to pay for the new item");
        }
        var txn = Json.object().put("transaction_type", Py.compare(diff, Py.ZERO) > 0 ? "payment" : "refund");
        txn.set("amount", Py.abs(diff));
        txn.put("payment_method_id", pm);
        order.withArray("payment_history").add(txn);
        if (method.path("source").asText().equals("gift_card")) {
            method.set("balance", Py.round2(Py.sub(method.get("balance"), diff)));
        }
        for (int i = 0; i < itemIds.size(); i++) {
            var item = item(order, itemIds.get(i));
            var variant = db.path("products").path(item.path("product_id").asText()).path("variants").get(newItemIds.get(i));
            item.put("item_id", newItemIds.get(i));
            item.set("price", variant.get("price"));
            item.set("options", variant.get("options").deepCopy());
        }
        order.put("status", "pending (item modified)");
        return Json.write(order);
    }

    private static String modifyPendingOrderPayment(ObjectNode db, JsonNode a) {
        var order = pendingOrder(db, str(a, "order_id"), "non-pending order cannot be modified");
        String pm = str(a, "payment_method_id");
        var method = paymentMethod(db, order, pm);
        var history = order.withArray("payment_history");
        if (history.size() > 1 || !history.get(0).path("transaction_type").asText().equals("payment")) {
            throw new ToolError("there should be exactly one payment for a pending order");
        }
        String oldId = history.get(0).path("payment_method_id").asText();
        if (oldId.equals(pm)) throw new ToolError("the new payment method should be different from the current one");
        var amount = history.get(0).get("amount");
        if (method.path("source").asText().equals("gift_card") && Py.compare(method.get("balance"), amount) < 0) {
            throw new ToolError("insufficient gift card balance to pay for the order");
        }
        var pay = Json.object().put("transaction_type", "payment");
        pay.set("amount", amount);
        pay.put("payment_method_id", pm);
        var refund = Json.object().put("transaction_type", "refund");
        refund.set("amount", amount);
        refund.put("payment_method_id", oldId);
        history.add(pay);
        history.add(refund);
        if (method.path("source").asText().equals("gift_card")) method.set("balance", Py.round2(Py.sub(method.get("balance"), amount)));
        if (oldId.contains("gift_card")) {
            var old = (ObjectNode) db.path("users").path(order.path("user_id").asText()).path("payment_methods").get(oldId);
            old.set("balance", Py.round2(Py.add(old.get("balance"), amount)));
        }
        return Json.write(order);
    }

    private static String returnDeliveredOrderItems(ObjectNode db, JsonNode a) {
        var order = order(db, str(a, "order_id"));
        if (!order.path("status").asText().equals("delivered")) throw new ToolError("non-delivered order cannot be returned");
        String pm = str(a, "payment_method_id");
        paymentMethod(db, order, pm);
        if (!pm.contains("gift_card") && !pm.equals(order.withArray("payment_history").get(0).path("payment_method_id").asText())) {
            throw new ToolError("payment method should be either the original payment method or a gift card");
        }
        var itemIds = strings(a, "item_ids");
        var all = new ArrayList<String>();
        order.withArray("items").forEach(i -> all.add(i.path("item_id").asText()));
        for (var id : itemIds) {
            if (Collections.frequency(itemIds, id) > Collections.frequency(all, id)) throw new ToolError("some item not found");
        }
        order.put("status", "return requested");
        order.set("return_items", sortedArray(itemIds));
        order.put("return_payment_method_id", pm);
        return Json.write(order);
    }

    // --- helpers ---------------------------------------------------------------------------------------

    static String str(JsonNode a, String name) {
        var v = a.get(name);
        if (v == null) throw new ToolError("missing argument '" + name + "'");
        if (!v.isTextual()) throw new ToolError("argument '" + name + "' must be a string");
        return v.asText();
    }

    static List<String> strings(JsonNode a, String name) {
        var v = a.get(name);
        if (v == null) throw new ToolError("missing argument '" + name + "'");
        if (!v.isArray()) throw new ToolError("argument '" + name + "' must be a list of strings");
        var out = new ArrayList<String>();
        v.forEach(x -> out.add(x.asText()));
        return out;
    }

    private static ArrayNode sortedArray(List<String> values) {
        var sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        var arr = Json.MAPPER.createArrayNode();
        sorted.forEach(arr::add);
        return arr;
    }

    private static ObjectNode find(ObjectNode db, String table, String id, String notFound) {
        var v = db.path(table).get(id);
        if (!(v instanceof ObjectNode o)) throw new ToolError(notFound);
        return o;
    }

    private static ObjectNode order(ObjectNode db, String id) {
        return find(db, "orders", id, "order not found");
    }

    private static ObjectNode pendingOrder(ObjectNode db, String id, String notPending) {
        var order = order(db, id);
        if (!order.path("status").asText().equals("pending")) throw new ToolError(notPending);
        return order;
    }

    private static ObjectNode paymentMethod(ObjectNode db, ObjectNode order, String id) {
        var m = db.path("users").path(order.path("user_id").asText()).path("payment_methods").get(id);
        if (!(m instanceof ObjectNode o)) throw new ToolError("payment method not found");
        return o;
    }

    private static ObjectNode item(ObjectNode order, String itemId) {
        for (var i : order.withArray("items")) if (i.path("item_id").asText().equals(itemId)) return (ObjectNode) i;
        throw new ToolError("list index out of range");
    }

    private static ObjectNode address(JsonNode a) {
        var o = Json.object();
        for (var f : List.of("address1", "address2", "city", "state", "country", "zip")) o.set(f, TextNode.valueOf(str(a, f)));
        return o;
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode obj) {
        return obj::fields;
    }
}
