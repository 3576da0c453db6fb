#include "jpegencoder.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

namespace conduit::camera {

JpegEncoder::~JpegEncoder() {
    if (pipeline_) {
        gst_element_set_state(pipeline_, GST_STATE_NULL);
        gst_object_unref(src_);
        gst_object_unref(sink_);
        gst_object_unref(pipeline_);
    }
    if (caps_) gst_caps_unref(caps_);
}

bool JpegEncoder::ensure(GstCaps *caps, std::string &error) {
    if (pipeline_ && caps_ && gst_caps_is_equal(caps, caps_)) return true;
    if (pipeline_) {
        gst_element_set_state(pipeline_, GST_STATE_NULL);
        gst_object_unref(src_);
        gst_object_unref(sink_);
        gst_object_unref(pipeline_);
        pipeline_ = src_ = sink_ = nullptr;
    }
    char desc[256];
    std::snprintf(desc, sizeof desc,
                  "appsrc name=src format=time ! jpegenc quality=%d ! appsink name=sink sync=false max-buffers=1",
                  quality_);
    GError *gerr = nullptr;
    pipeline_ = gst_parse_launch(desc, &gerr);
    if (!pipeline_ || gerr) {
        error = std::string("cannot build the JPEG encoder: ") + (gerr ? gerr->message : "unknown error");
        if (gerr) g_error_free(gerr);
        if (pipeline_) gst_object_unref(pipeline_), pipeline_ = nullptr;
        return false;
    }
    src_ = gst_bin_get_by_name(GST_BIN(pipeline_), "src");
    sink_ = gst_bin_get_by_name(GST_BIN(pipeline_), "sink");
    gst_app_src_set_caps(GST_APP_SRC(src_), caps);
    if (caps_) gst_caps_unref(caps_);
    caps_ = gst_caps_ref(caps);
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        error = "the JPEG encoder did not start";
        return false;
    }
    return true;
}

bool JpegEncoder::encode(GstSample *frame, std::string &jpeg, std::string &error) {
    std::lock_guard lock(mutex_);
    GstCaps *caps = gst_sample_get_caps(frame);
    GstBuffer *buffer = gst_sample_get_buffer(frame);
    if (!caps || !buffer) {
        error = "no frame to encode";
        return false;
    }
    if (!ensure(caps, error)) return false;
    if (gst_app_src_push_buffer(GST_APP_SRC(src_), gst_buffer_ref(buffer)) != GST_FLOW_OK) {
        error = "the JPEG encoder refused the frame";
        return false;
    }
    GstSample *out = gst_app_sink_try_pull_sample(GST_APP_SINK(sink_), 5 * GST_SECOND);
    if (!out) {
        error = "the JPEG encoder gave no frame within 5 s";
        return false;
    }
    GstMapInfo map;
    GstBuffer *encoded = gst_sample_get_buffer(out);
    if (!encoded || !gst_buffer_map(encoded, &map, GST_MAP_READ)) {
        gst_sample_unref(out);
        error = "cannot read the JPEG frame";
        return false;
    }
    jpeg.assign(reinterpret_cast<const char *>(map.data), map.size);
    gst_buffer_unmap(encoded, &map);
    gst_sample_unref(out);
    return true;
}

} // namespace conduit::camera
