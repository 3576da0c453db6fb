// Driver for fuzz targets in builds without libFuzzer: runs every seed file
// given (files or directories), then a fixed number of deterministic
// mutations of them (seeded PRNG), so each ordinary test run exercises the
// target beyond its seeds. With clang, build with -DCONDUIT_FUZZ=ON to get
// real coverage-guided fuzzing (scripts/fuzz).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
    std::vector<std::string> seeds;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path p(argv[i]);
        std::vector<std::filesystem::path> files;
        if (std::filesystem::is_directory(p)) {
            for (const auto &e : std::filesystem::directory_iterator(p))
                if (e.is_regular_file()) files.push_back(e.path());
        } else {
            files.push_back(p);
        }
        for (const auto &f : files) {
            std::ifstream in(f, std::ios::binary);
            seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
    }
    if (seeds.empty()) {
        std::fprintf(stderr, "no seed inputs given\n");
        return 2;
    }
    for (const std::string &s : seeds) LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(s.data()), s.size());
    std::mt19937 rng(12345);
    const int rounds = std::getenv("FUZZ_REPLAY_ROUNDS") ? std::atoi(std::getenv("FUZZ_REPLAY_ROUNDS")) : 20000;
    for (int r = 0; r < rounds; ++r) {
        std::string s = seeds[rng() % seeds.size()];
        const int edits = 1 + int(rng() % 8);
        for (int e = 0; e < edits; ++e) {
            switch (rng() % 4) {
            case 0:
                if (!s.empty()) s[rng() % s.size()] ^= char(1u << (rng() % 8));
                break;
            case 1:
                if (!s.empty()) s[rng() % s.size()] = char(rng());
                break;
            case 2: s.insert(s.begin() + long(s.empty() ? 0 : rng() % s.size()), char(rng())); break;
            case 3:
                if (!s.empty()) s.erase(s.begin() + long(rng() % s.size()));
                break;
            }
        }
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(s.data()), s.size());
    }
    std::printf("%zu seeds and %d mutations ran without a finding\n", seeds.size(), rounds);
    return 0;
}
