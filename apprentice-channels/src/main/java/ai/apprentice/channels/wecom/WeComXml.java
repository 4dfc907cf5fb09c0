package ai.apprentice.channels.wecom;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;

/**
 * WeCom's XML bodies are one flat {@code <xml>} element of fields ({@code <MsgType><![CDATA[text]]></MsgType>});
 * nested ones ({@code SelectedItems}) are kept as their text. DOCTYPEs and external entities are refused, so a
 * body cannot make the parser read files or the network.
 */
final class WeComXml {
    private WeComXml() {}

    /** @throws IllegalArgumentException when {@code xml} is not such a document */
    static Map<String, String> fields(String xml) {
        try {
            var factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            var root = factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
            if (!root.getTagName().equals("xml")) throw new IllegalArgumentException("the body's root element is <" + root.getTagName() + ">, not <xml>");
            var out = new LinkedHashMap<String, String>();
            for (var n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e) out.put(e.getTagName(), e.getTextContent().strip());
            }
            return out;
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalArgumentException("the body is not XML");
        }
    }

    /** A flat {@code <xml>} document of {@code fields}, text in CDATA (the shape WeCom sends; the tests' fake builds its callbacks with it). */
    static String document(Map<String, ?> fields) {
        var sb = new StringBuilder("<xml>");
        fields.forEach((k, v) -> {
            sb.append('<').append(k).append('>');
            if (v instanceof Number) sb.append(v);
            else sb.append("<![CDATA[").append(String.valueOf(v).replace("]]>", "]]]]><![CDATA[>")).append("]]>");
            sb.append("</").append(k).append('>');
        });
        return sb.append("</xml>").toString();
    }
}
