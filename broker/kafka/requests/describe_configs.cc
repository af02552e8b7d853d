#include "broker/kafka/requests/describe_configs.h"

namespace cairn::broker::kafka {

decoded<describe_configs_request> decode_describe_configs(const request& r) {
  const std::int16_t v = r.version();
  reader in = r.body_reader();
  describe_configs_request out;
  out.resources = read_config_resources<std::optional<std::vector<std::string>>>(in, [](reader& e) {
    std::optional<std::vector<std::string>> keys;
    const std::int32_t n = e.nullable_array_length(e.flexible() ? 1 : 2);
    if (n >= 0) {
      keys.emplace();
      for (std::int32_t k = 0; k < n && e.ok(); ++k)
        keys->push_back(e.string());
    }
    return keys;
  });
  out.include_synonyms = v >= 1 ? in.boolean() : false;
  out.include_documentation = v >= 3 ? in.boolean() : false;
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
