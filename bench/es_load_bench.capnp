# es_load_bench's event in Cap'n Proto (--codec capnp): the JSON event's fields.
@0xdc89540373d77059;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("es_load_bench");

struct Deposited {
  amountCents @0 :Int64;
  memo @1 :Text;
}
