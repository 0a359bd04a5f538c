package io.impipeline.platform.messagetrace;

import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * {@code /api/v1/trace-writing} over HTTP (MockMvc, no server): the answers a writer app gives the console and curl.
 * The service token is the filter's, tested with the apps.
 */
class TraceWritingControllerTest {

    private static MockMvc mvc(TraceSwitch traceSwitch) {
        return MockMvcBuilders.standaloneSetup(new TraceWritingController(traceSwitch)).build();
    }

    @Test
    void anAppStartedWithTraceOffRefusesToResumeWith409AndTheReason() throws Exception {
        MockMvc mvc = mvc(TraceSwitch.of(false));
        mvc.perform(put("/api/v1/trace-writing").contentType(MediaType.APPLICATION_JSON).content("{\"writing\": true}"))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.error").value("TRACE_NOT_ENABLED"))
                .andExpect(jsonPath("$.detail").value(Matchers.containsString("im.trace.enabled=true")));
        mvc.perform(put("/api/v1/trace-writing").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"writing\": false}"))
                .andExpect(status().isOk()).andExpect(content().json("{\"enabled\":false,\"writing\":false}"));
        mvc.perform(get("/api/v1/trace-writing"))
                .andExpect(status().isOk()).andExpect(content().json("{\"enabled\":false,\"writing\":false}"));
    }

    @Test
    void anEnabledAppPausesAndResumesAndRefusesABodyWithoutWriting() throws Exception {
        TraceSwitch traceSwitch = TraceSwitch.of(true);
        MockMvc mvc = mvc(traceSwitch);
        mvc.perform(put("/api/v1/trace-writing").header("X-Operator", "ops").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"writing\": false}"))
                .andExpect(status().isOk()).andExpect(content().json("{\"enabled\":true,\"writing\":false}"));
        mvc.perform(put("/api/v1/trace-writing").contentType(MediaType.APPLICATION_JSON).content("{}"))
                .andExpect(status().isBadRequest()).andExpect(jsonPath("$.error").value("MISSING_FIELD"));
        mvc.perform(put("/api/v1/trace-writing").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"writing\": true}"))
                .andExpect(status().isOk()).andExpect(content().json("{\"enabled\":true,\"writing\":true}"));
        assertThat(traceSwitch.writing()).isTrue();
    }
}
