# Test events for cairn::es's Cap'n Proto codec: a bank account whose deposits and withdrawals
# are Cap'n Proto structs (its opening stays JSON, to test a mixed variant), plus an old deposit
# schema for the upcaster tests and a note with a long text for the traversal limit test.
@0xd1434189407d1cd3;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::es_test");

# bank.capnp.Deposited.v1: whole units, no memo.
struct DepositedV1 {
  amount @0 :Int64;
}

# bank.capnp.Deposited.v2: cents and a memo.
struct Deposited {
  amountCents @0 :Int64;
  memo @1 :Text;
}

# bank.capnp.Withdrawn.v1
struct Withdrawn {
  amountCents @0 :Int64;
}

# test.Note.v1: a text and the nested notes it answers (for the nesting limit).
struct Note {
  text @0 :Text;
  replies @1 :List(Note);
}
