#include "broker/kafka/requests/alter_configs.h"

namespace cairn::broker::kafka {

decoded<alter_configs_request> decode_alter_configs(const request& r) {
  reader in = r.body_reader();
  alter_configs_request out;
  out.resources = read_config_resources<alter_configs_request::configs>(in, [](reader& e) {
    alter_configs_request::configs configs;
    // Smallest config: name (1-2), null value (1-2), tags.
    const std::int32_t n = e.array_length(e.flexible() ? 3 : 4);
    for (std::int32_t c = 0; c < n && e.ok(); ++c) {
      std::string name = e.string();
      std::optional<std::string> value = e.nullable_string();
      e.tagged_fields();
      configs.emplace_back(std::move(name), std::move(value));
    }
    return configs;
  });
  out.validate_only = in.boolean();
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
