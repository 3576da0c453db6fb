#include "clipcutter.h"

#include <gst/gst.h>

#include <cstdio>
#include <sys/stat.h>

namespace conduit::camera {

namespace {

struct Cut {
    std::vector<std::string> locations;
    GstElement *muxer = nullptr;
    GstClockTime limit = 0; // relative to the first frame
    GstClockTime firstPts = GST_CLOCK_TIME_NONE, lastEnd = 0;
    uint64_t frames = 0;
    bool linkFailed = false;
};

// splitmuxsrc asks for its parts; the list is exactly the pinned segments.
gchar **formatLocation(GstElement *, gpointer data) {
    auto *cut = static_cast<Cut *>(data);
    gchar **v = g_new0(gchar *, cut->locations.size() + 1);
    for (size_t i = 0; i < cut->locations.size(); ++i) v[i] = g_strdup(cut->locations[i].c_str());
    return v;
}

GstPadProbeReturn trimTail(GstPad *, GstPadProbeInfo *info, gpointer data) {
    auto *cut = static_cast<Cut *>(data);
    GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER(info);
    const GstClockTime pts = GST_BUFFER_PTS(b);
    if (!GST_CLOCK_TIME_IS_VALID(pts)) return GST_PAD_PROBE_OK;
    if (!GST_CLOCK_TIME_IS_VALID(cut->firstPts)) cut->firstPts = pts;
    // Past the window: dropped; the source ends within one segment anyway.
    if (pts - cut->firstPts >= cut->limit) return GST_PAD_PROBE_DROP;
    ++cut->frames;
    const GstClockTime dur = GST_BUFFER_DURATION_IS_VALID(b) ? GST_BUFFER_DURATION(b) : 0;
    cut->lastEnd = std::max(cut->lastEnd, pts + dur);
    return GST_PAD_PROBE_OK;
}

void padAdded(GstElement *, GstPad *pad, gpointer data) {
    auto *cut = static_cast<Cut *>(data);
    GstPad *sink = gst_element_request_pad_simple(cut->muxer, "video_%u");
    if (!sink || gst_pad_link(pad, sink) != GST_PAD_LINK_OK) cut->linkFailed = true;
    if (sink) gst_object_unref(sink);
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, trimTail, cut, nullptr);
}

} // namespace

bool cutClip(const std::vector<Segment> &parts, uint64_t endNs, const std::string &muxer, const std::string &outPath,
             ClipInfo &info, std::string &error) {
    if (parts.empty() || endNs <= parts.front().startNs) {
        error = "nothing to cut: the window ends before the first segment";
        return false;
    }
    Cut cut;
    for (const Segment &s : parts) cut.locations.push_back(s.path);
    cut.limit = endNs - parts.front().startNs;

    GstElement *pipeline = gst_pipeline_new("clip");
    GstElement *src = gst_element_factory_make("splitmuxsrc", nullptr);
    cut.muxer = gst_element_factory_make(muxer.c_str(), nullptr);
    GstElement *sink = gst_element_factory_make("filesink", nullptr);
    if (!src || !cut.muxer || !sink) {
        error = "cannot cut a clip: splitmuxsrc, " + muxer + " or filesink is missing";
        for (GstElement *e : {src, cut.muxer, sink})
            if (e) gst_object_unref(e);
        gst_object_unref(pipeline);
        return false;
    }
    g_object_set(sink, "location", outPath.c_str(), "sync", FALSE, nullptr);
    gst_bin_add_many(GST_BIN(pipeline), src, cut.muxer, sink, nullptr);
    gst_element_link(cut.muxer, sink);
    g_signal_connect(src, "format-location", G_CALLBACK(formatLocation), &cut);
    g_signal_connect(src, "pad-added", G_CALLBACK(padAdded), &cut);

    bool ok = gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE;
    GstBus *bus = gst_element_get_bus(pipeline);
    // Bounded: a 10 s clip cuts in well under a second.
    GstMessage *m =
        ok ? gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR))
           : gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (!m) {
        error = ok ? "cutting the clip took longer than 30 s" : "the clip pipeline did not start";
        ok = false;
    } else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
        GError *e = nullptr;
        gst_message_parse_error(m, &e, nullptr);
        error = std::string("cutting the clip failed: ") + e->message;
        g_error_free(e);
        ok = false;
    }
    if (m) gst_message_unref(m);
    gst_object_unref(bus);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    if (ok && (cut.linkFailed || cut.frames == 0)) {
        error = cut.linkFailed ? "the segments' stream does not fit " + muxer : "the window holds no frame";
        ok = false;
    }
    if (!ok) {
        std::remove(outPath.c_str());
        return false;
    }
    struct stat st {};
    info.startNs = parts.front().startNs;
    info.durationNs = cut.lastEnd - cut.firstPts;
    info.frames = cut.frames;
    info.bytes = ::stat(outPath.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    return true;
}

} // namespace conduit::camera
