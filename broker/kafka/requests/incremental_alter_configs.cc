#include "broker/kafka/requests/incremental_alter_configs.h"

namespace cairn::broker::kafka {

decoded<incremental_alter_configs_request> decode_incremental_alter_configs(const request& r) {
  using alterable_config = incremental_alter_configs_request::alterable_config;
  reader in = r.body_reader();
  incremental_alter_configs_request out;
  out.resources = read_config_resources<std::vector<alterable_config>>(in, [](reader& e) {
    std::vector<alterable_config> configs;
    // Smallest config: name (1-2), operation (1), null value (1-2), tags.
    const std::int32_t n = e.array_length(e.flexible() ? 4 : 5);
    for (std::int32_t c = 0; c < n && e.ok(); ++c) {
      alterable_config config;
      config.name = e.string();
      config.operation = e.int8();
      config.value = e.nullable_string();
      e.tagged_fields();
      configs.push_back(std::move(config));
    }
    return configs;
  });
  out.validate_only = in.boolean();
  in.tagged_fields();
  return decoded_from(std::move(out), in);
}

}  // namespace cairn::broker::kafka
