package ai.apprentice.envs.taubench;

import ai.apprentice.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the agent is told about each tau-bench tool: our own short descriptions and JSON schemas of the
 * reference's arguments (names and types are the contract; the wording is ours).
 */
final class TauToolSpecs {
    record Spec(String description, JsonNode schema) {}

    static final Map<String, Spec> SPECS = new LinkedHashMap<>();

    private static final String ADDRESS = "address1:string,address2:string,city:string,state:string,country:string,zip:string";
    private static final String FLIGHTS = "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"flight_number\":{\"type\":\"string\"},"
            + "\"date\":{\"type\":\"string\",\"description\":\"YYYY-MM-DD\"}},\"required\":[\"flight_number\",\"date\"]}}";
    private static final String PASSENGERS = "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"first_name\":{\"type\":\"string\"},"
            + "\"last_name\":{\"type\":\"string\"},\"dob\":{\"type\":\"string\",\"description\":\"YYYY-MM-DD\"}},\"required\":[\"first_name\",\"last_name\",\"dob\"]}}";
    private static final String PAYMENTS = "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"payment_id\":{\"type\":\"string\"},"
            + "\"amount\":{\"type\":\"number\"}},\"required\":[\"payment_id\",\"amount\"]}}";
    private static final String IDS = "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}";

    static {
        // shared
        spec("calculate", "Evaluate an arithmetic expression (numbers, + - * / and parentheses); returns the result rounded to 2 decimals.", "expression:string");
        spec("think", "Write down reasoning; changes nothing and returns nothing.", "thought:string");
        spec("transfer_to_human_agents", "Hand the customer over to a human agent, with a summary of the issue. Ends the conversation.", "summary:string");
        spec("get_user_details", "Get a user's profile: name, address, payment methods, orders or reservations.", "user_id:string");
        // retail
        spec("find_user_id_by_email", "Find a user id by email address.", "email:string");
        spec("find_user_id_by_name_zip", "Find a user id by first name, last name and zip code.", "first_name:string,last_name:string,zip:string");
        spec("get_order_details", "Get an order's status, items, address and payments. Order ids look like #W0000000.", "order_id:string");
        spec("get_product_details", "Get a product type with all its variants (item ids, options, price, availability).", "product_id:string");
        spec("list_all_product_types", "List every product type name with its product id.", "");
        spec("cancel_pending_order", "Cancel a pending order; reason is 'no longer needed' or 'ordered by mistake'. Refunds go to the original payment methods.",
                "order_id:string,reason:string");
        spec("modify_pending_order_address", "Change the shipping address of a pending order.", "order_id:string," + ADDRESS);
        spec("modify_pending_order_payment", "Change the payment method of a pending order.", "order_id:string,payment_method_id:string");
        spec("modify_pending_order_items", "Swap items of a pending order for other variants of the same products; can be done once per order.",
                "order_id:string,item_ids:ids,new_item_ids:ids,payment_method_id:string");
        spec("modify_user_address", "Change a user's default address.", "user_id:string," + ADDRESS);
        spec("return_delivered_order_items", "Request a return of items of a delivered order; refund to the original payment method or a gift card.",
                "order_id:string,item_ids:ids,payment_method_id:string");
        spec("exchange_delivered_order_items", "Request an exchange of items of a delivered order for other variants of the same products.",
                "order_id:string,item_ids:ids,new_item_ids:ids,payment_method_id:string");
        // airline
        spec("get_reservation_details", "Get a reservation's flights, passengers, payments, baggage and insurance.", "reservation_id:string");
        spec("list_all_airports", "List airport codes with their cities.", "");
        spec("search_direct_flight", "Find direct flights between two airports on a date (YYYY-MM-DD).", "origin:string,destination:string,date:string");
        spec("search_onestop_flight", "Find one-stop connections between two airports on a date (YYYY-MM-DD).", "origin:string,destination:string,date:string");
        spec("book_reservation", "Book a reservation. flight_type is one_way or round_trip; cabin is basic_economy, economy or business; insurance is yes or no.",
                "user_id:string,origin:string,destination:string,flight_type:string,cabin:string,flights:flights,passengers:passengers,"
                        + "payment_methods:payments,total_baggages:integer,nonfree_baggages:integer,insurance:string");
        spec("cancel_reservation", "Cancel a whole reservation; payments are refunded.", "reservation_id:string");
        spec("send_certificate", "Give a user a travel certificate worth the amount, as compensation.", "user_id:string,amount:number");
        spec("update_reservation_baggages", "Change the baggage counts of a reservation; extra non-free bags are paid with payment_id.",
                "reservation_id:string,total_baggages:integer,nonfree_baggages:integer,payment_id:string");
        spec("update_reservation_flights", "Change the flights (and cabin) of a reservation; give the full new flight list; the difference is paid or refunded with payment_id.",
                "reservation_id:string,cabin:string,flights:flights,payment_id:string");
        spec("update_reservation_passengers", "Change passenger details of a reservation (same number of passengers).", "reservation_id:string,passengers:passengers");
    }

    private TauToolSpecs() {}

    private static void spec(String name, String description, String params) {
        ObjectNode schema = Json.object().put("type", "object");
        var props = schema.putObject("properties");
        var required = schema.putArray("required");
        if (!params.isEmpty()) {
            for (var p : params.split(",")) {
                var parts = p.split(":");
                JsonNode type = switch (parts[1]) {
                    case "ids" -> Json.tree(IDS);
                    case "flights" -> Json.tree(FLIGHTS);
                    case "passengers" -> Json.tree(PASSENGERS);
                    case "payments" -> Json.tree(PAYMENTS);
                    default -> Json.object().put("type", parts[1]);
                };
                props.set(parts[0], type);
                required.add(parts[0]);
            }
        }
        SPECS.put(name, new Spec(description, schema));
    }
}
