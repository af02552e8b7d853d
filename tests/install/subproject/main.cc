#include <cairn/client.h>

int main() {
  cairn::client_options options{.bootstrap = {"127.0.0.1:1"}, .client_id = "uses-cairn"};
  return cairn::client::create(options) ? 0 : 1;
}
