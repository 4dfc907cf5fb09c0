package ai.apprentice.temporal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Metadata;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the access settings put on the stubs' options: TLS, and the API key as Temporal Cloud wants it; the key never shown. */
class TemporalAccessTest {
    @TempDir Path dir;

    @Test
    void anApiKeyIsSentAsABearerAuthorizationOverTlsAndNeverShown() {
        var access = new TemporalAccess(false, null, null, null, null, "k-123-secret", "$TEMPORAL_API_KEY");
        assertThat(access.tls()).as("an API key turns TLS on").isTrue();
        var options = access.apply(WorkflowServiceStubsOptions.newBuilder().setTarget("example.tmprl.cloud:7233")).build();
        assertThat(options.getSslContext()).isNotNull();
        assertThat(options.getSslContext().isClient()).isTrue();
        var key = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
        assertThat(options.getGrpcMetadataProviders()).isNotEmpty();
        assertThat(options.getGrpcMetadataProviders().stream().map(p -> p.getMetadata().get(key))).containsExactly("Bearer k-123-secret");
        assertThat(access.toString()).doesNotContain("secret").contains("$TEMPORAL_API_KEY");
        assertThat(access.describe()).doesNotContain("secret");
    }

    @Test
    void plaintextLeavesTheOptionsAloneAndTlsAloneSendsNoAuthorization() {
        var plain = TemporalAccess.PLAINTEXT.apply(WorkflowServiceStubsOptions.newBuilder().setTarget("localhost:7233")).build();
        assertThat(plain.getSslContext()).isNull();
        assertThat(plain.getEnableHttps()).isFalse();
        var tls = new TemporalAccess(true, null, null, null, null, null, null).apply(WorkflowServiceStubsOptions.newBuilder().setTarget("h:7233")).build();
        assertThat(tls.getSslContext()).isNotNull();
        assertThat(tls.getGrpcMetadataProviders() == null || tls.getGrpcMetadataProviders().isEmpty()).isTrue();
        assertThat(tls.getChannelInitializer()).isNull();
        var named = new TemporalAccess(false, null, null, null, "frontend.internal", null, null).apply(WorkflowServiceStubsOptions.newBuilder().setTarget("10.0.0.1:7233")).build();
        assertThat(named.getSslContext()).isNotNull();
        assertThat(named.getChannelInitializer()).isNotNull();
    }

    @Test
    void unusableFilesNameTheOptionAndTheFile() throws Exception {
        var missing = dir.resolve("nope.pem");
        assertThatThrownBy(() -> new TemporalAccess(true, missing, null, null, null, null, null).sslContext())
                .hasMessageContaining("--temporal-ca").hasMessageContaining(missing.toString());
        var cert = Files.writeString(dir.resolve("c.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> new TemporalAccess(true, null, cert, dir.resolve("k.pem"), null, null, null).sslContext())
                .hasMessageContaining("--temporal-tls-cert").hasMessageContaining(cert.toString());
        assertThatThrownBy(() -> new TemporalAccess(true, null, null, dir.resolve("k.pem"), null, null, null).sslContext())
                .hasMessageContaining("--temporal-tls-key").hasMessageContaining("needs --temporal-tls-cert");
    }
}
