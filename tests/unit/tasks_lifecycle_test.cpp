// Walks the whole transition table: every action has one row, every row leads from each of
// its statuses to a legal state with what it says it does, offline sync's status moves find
// exactly the rows of their actor, and the table agrees with the seed's state machine.
#include <gtest/gtest.h>

#include <set>

#include "tasks/lifecycle.hpp"

namespace gd::tasks {
namespace {

constexpr Action kActions[] = {Action::kAccept,   Action::kStart,     Action::kWithdraw,
                               Action::kComplete, Action::kConfirm,   Action::kReject,
                               Action::kCancel,   Action::kDeactivate};
constexpr Status kStatuses[] = {Status::kOpen,       Status::kAssigned,
                                Status::kInProgress, Status::kPendingConfirmation,
                                Status::kCompleted,  Status::kCancelled};

// The helper a task in `s` has before a move: exactly when the lifecycle says it must.
bool has_helper_in(Status s) {
  return s != Status::kOpen && s != Status::kCancelled;
}

TEST(Lifecycle, EveryActionHasExactlyOneRow) {
  std::set<Action> seen;
  for (const auto& t : transitions()) EXPECT_TRUE(seen.insert(t.action).second);
  for (auto a : kActions) {
    EXPECT_TRUE(seen.count(a));
    EXPECT_EQ(transition_for(a).action, a);
  }
}

TEST(Lifecycle, EveryRowLeadsFromEachOfItsStatusesToALegalState) {
  for (const auto& t : transitions()) {
    ASSERT_FALSE(t.from.empty());
    EXPECT_FALSE(t.event.empty());
    EXPECT_FALSE(t.sets_helper && t.clears_helper);
    for (auto from : t.from) {
      ASSERT_TRUE(legal_state(from, has_helper_in(from), from == Status::kCompleted));
      const bool helper = t.sets_helper || (has_helper_in(from) && !t.clears_helper);
      const bool completed_at = t.sets_completed_at;
      EXPECT_TRUE(legal_state(t.to, helper, completed_at))
          << "action " << static_cast<int>(t.action) << " from " << status_name(from);
      EXPECT_NE(from, t.to);
    }
    // Only finished tasks stay put: nothing leaves completed or cancelled.
    for (auto from : t.from) {
      EXPECT_NE(from, Status::kCompleted);
      EXPECT_NE(from, Status::kCancelled);
    }
  }
}

TEST(Lifecycle, WhatEachRowDoesMatchesTheSeed) {
  const auto& accept = transition_for(Action::kAccept);
  EXPECT_TRUE(accept.sets_helper);
  EXPECT_EQ(accept.applications, ApplicationsChange::kAcceptOneDeclineRest);
  EXPECT_EQ(accept.notify, Notify::kHelper);
  const auto& withdraw = transition_for(Action::kWithdraw);
  EXPECT_TRUE(withdraw.clears_helper);
  EXPECT_EQ(withdraw.applications, ApplicationsChange::kReopen);
  const auto& complete = transition_for(Action::kComplete);
  EXPECT_EQ(complete.notify, Notify::kCreator);  // "task completed, please confirm"
  const auto& confirm = transition_for(Action::kConfirm);
  EXPECT_TRUE(confirm.credits_reward);  // "you earned X points"
  EXPECT_TRUE(confirm.sets_completed_at);
  EXPECT_EQ(confirm.notify, Notify::kHelper);
  for (const auto& t : transitions()) {
    if (t.action != Action::kConfirm) {
      EXPECT_FALSE(t.credits_reward);
      EXPECT_FALSE(t.sets_completed_at);
    }
  }
  EXPECT_EQ(transition_for(Action::kCancel).applications, ApplicationsChange::kDeclinePending);
  EXPECT_EQ(transition_for(Action::kDeactivate).notify, Notify::kBoth);
}

// API.md's notification table: who finds which entry in their feed after each transition.
TEST(Lifecycle, EachRowTellsThePeopleTheNotificationTableNames) {
  using N = notifications::Type;
  struct Expected {
    Action action;
    std::optional<N> type;
    bool creator, helper, applicants;
  };
  const Expected expected[] = {
      {Action::kAccept, std::nullopt, false, false, false},  // applicants: accepted/declined
      {Action::kStart, N::kTaskStarted, true, false, false},
      {Action::kWithdraw, N::kTaskWithdrawn, true, false, false},
      {Action::kComplete, N::kTaskCompleted, true, false, false},
      {Action::kConfirm, N::kTaskConfirmed, false, true, false},
      {Action::kReject, N::kTaskRejected, false, true, false},
      {Action::kCancel, N::kTaskCancelled, false, true, true},
      {Action::kDeactivate, N::kTaskCancelled, true, true, true},
  };
  for (const auto& e : expected) {
    const auto& t = transition_for(e.action);
    EXPECT_EQ(t.notification, e.type) << t.event;
    EXPECT_EQ(t.told.creator, e.creator) << t.event;
    EXPECT_EQ(t.told.helper, e.helper) << t.event;
    EXPECT_EQ(t.told.applicants, e.applicants) << t.event;
    // Only a transition that declines applications has applicants to tell.
    if (t.told.applicants) EXPECT_EQ(t.applications, ApplicationsChange::kDeclinePending);
  }
}

TEST(Lifecycle, SyncStatusMovesFindTheRowsOfTheirActor) {
  for (auto from : kStatuses) {
    for (auto to : kStatuses) {
      for (auto actor : {Actor::kCreator, Actor::kHelper}) {
        const auto action = action_for_move(from, to, actor);
        bool expected = false;
        for (const auto& t : transitions())
          expected = expected || (t.action != Action::kAccept && t.actor == actor && t.to == to &&
                                  allowed_from(t, from));
        EXPECT_EQ(action.has_value(), expected);
        if (action) {
          const auto& t = transition_for(*action);
          EXPECT_EQ(t.actor, actor);
          EXPECT_EQ(t.to, to);
          EXPECT_TRUE(allowed_from(t, from));
        }
      }
    }
  }
  EXPECT_FALSE(action_for_move(Status::kOpen, Status::kAssigned, Actor::kCreator));
}

TEST(Lifecycle, LegalStatesAreThoseTheLifecycleReaches) {
  EXPECT_FALSE(legal_state(Status::kOpen, true, false));
  EXPECT_FALSE(legal_state(Status::kAssigned, false, false));
  EXPECT_FALSE(legal_state(Status::kCompleted, true, false));
  EXPECT_FALSE(legal_state(Status::kInProgress, true, true));
  EXPECT_TRUE(legal_state(Status::kCancelled, true, false));  // taken down while assigned
  EXPECT_TRUE(legal_state(Status::kCancelled, false, false));
}

}  // namespace
}  // namespace gd::tasks
